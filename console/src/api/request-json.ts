// One call to the gateway's public or admin API, as any client makes it: the
// key as a Bearer token, JSON in and out, OpenAI-shaped errors thrown as ApiError.
import { errorFromResponse } from "./api-error.js";

export interface JsonRequest {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  key?: string | undefined;
  /** A signed-in person's CSRF token, for a change their session cookie authorises (no key). */
  csrf?: string | undefined;
  signal?: AbortSignal;
}

export function requestHeaders(key: string | undefined, hasBody: boolean): Record<string, string> {
  return {
    accept: "application/json",
    ...(hasBody ? { "content-type": "application/json" } : {}),
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  };
}

export async function requestJson<T>(path: string, request: JsonRequest = {}): Promise<T> {
  const hasBody = request.body !== undefined;
  const response = await fetch(path, {
    method: request.method ?? "GET",
    headers: { ...requestHeaders(request.key, hasBody), ...(request.csrf ? { "x-csrf-token": request.csrf } : {}) },
    ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as T;
}
