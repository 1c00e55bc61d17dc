// The model list of a BYOK provider: configured ids, or the provider's own
// OpenAI-style `GET /models`.
import type { ModelEntry } from "./runtime.js";

export async function listProviderModels(provider: {
  type: "openai" | "azure" | "anthropic";
  baseUrl: string;
  apiKey?: string;
  models?: string[];
}): Promise<ModelEntry[]> {
  if (provider.models && provider.models.length > 0) {
    return provider.models.map((id) => ({ id, ownedBy: "byok" }));
  }
  const url = `${provider.baseUrl.replace(/\/+$/, "")}/models`;
  const response = await fetch(url, { headers: authHeaders(provider), signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`the provider's model list answered ${response.status}`);
  const body = (await response.json()) as { data?: Array<{ id?: unknown; owned_by?: unknown }> } | unknown[];
  const entries = Array.isArray(body) ? body : (body.data ?? []);
  return entries
    .filter((entry): entry is { id: string; owned_by?: unknown } => typeof (entry as { id?: unknown })?.id === "string")
    .map((entry) => ({ id: entry.id, ownedBy: typeof entry.owned_by === "string" ? entry.owned_by : "byok" }));
}

/** Each provider family takes its key in its own header. */
function authHeaders(provider: { type: "openai" | "azure" | "anthropic"; apiKey?: string }): Record<string, string> {
  if (!provider.apiKey) return {};
  switch (provider.type) {
    case "azure":
      return { "api-key": provider.apiKey };
    case "anthropic":
      return { "x-api-key": provider.apiKey, "anthropic-version": "2023-06-01" };
    default:
      return { authorization: `Bearer ${provider.apiKey}` };
  }
}
