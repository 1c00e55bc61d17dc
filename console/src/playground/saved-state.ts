// What the playground keeps across reloads, in this browser's localStorage:
// the conversation, the chosen model and the tool list. No key is kept here
// (see api/credentials.ts for the one the user may choose to keep).
import { storage } from "../api/credentials.js";
import type { Entry } from "./conversation.js";

const CONVERSATION = "cgw.console.conversation";
const MODEL = "cgw.console.model";
const TOOLS = "cgw.console.tools";

export function loadConversation(): Entry[] {
  try {
    const saved = JSON.parse(storage()?.getItem(CONVERSATION) ?? "[]") as unknown;
    return Array.isArray(saved) ? (saved as Entry[]) : [];
  } catch {
    return [];
  }
}

export function saveConversation(entries: readonly Entry[]): void {
  try {
    if (entries.length === 0) storage()?.removeItem(CONVERSATION);
    else storage()?.setItem(CONVERSATION, JSON.stringify(entries));
  } catch {
    // Storage full: the conversation still lives in the page, only a reload loses it.
  }
}

export function loadModel(): string | undefined {
  return storage()?.getItem(MODEL) ?? undefined;
}

export function saveModel(model: string): void {
  storage()?.setItem(MODEL, model);
}

export interface SavedTools {
  enabled: boolean;
  text: string;
}

export function loadTools(fallback: SavedTools): SavedTools {
  try {
    const saved = JSON.parse(storage()?.getItem(TOOLS) ?? "null") as SavedTools | null;
    return saved && typeof saved.text === "string" ? saved : fallback;
  } catch {
    return fallback;
  }
}

export function saveTools(tools: SavedTools): void {
  storage()?.setItem(TOOLS, JSON.stringify(tools));
}
