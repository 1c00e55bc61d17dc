// The gateway answers errors in OpenAI's shape ({"error":{"message","code",...}});
// the console shows the message as it is and decides on the status and code.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }

  /** The gateway wants a key this page does not have, or refused the one it has. */
  get needsCredential(): boolean {
    return this.status === 401;
  }
}

export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { message?: string; code?: string | null } };
    if (body.error?.message) return new ApiError(response.status, body.error.code ?? null, body.error.message);
  } catch {
    // Not JSON: a proxy's page, say. Its status still says what happened.
  }
  return new ApiError(response.status, null, `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`);
}
