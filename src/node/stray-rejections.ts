// A Copilot runtime that goes away can leave a rejection nobody handles:
// vscode-jsonrpc, under the SDK, rethrows a failed request write from inside
// an async Promise executor, so writing to a runtime whose socket or pipe has
// just closed (EPIPE, a destroyed stream) rejects a promise no caller holds.
// Node's default for that is to end the process — every stream of every
// caller, for the loss of one runtime that the supervision (supervised-client.ts)
// already handles: the request that wrote gets its own error, and the
// conversations go on seeded. Only that rejection is let go, with a warning;
// any other is a bug, and ends the process as Node would.
import type { Logger } from "../core/logger.js";

const CONNECTION_GONE = new Set(["EPIPE", "ECONNRESET", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"]);

/** A write to a runtime connection that had closed, rejected inside vscode-jsonrpc's message writer (an Error, or one serialized with its code and stack). */
export function isWriteToLostRuntime(reason: unknown): boolean {
  if (typeof reason !== "object" || reason === null) return false;
  const { code, stack } = reason as { code?: unknown; stack?: unknown };
  return typeof code === "string" && CONNECTION_GONE.has(code) && typeof stack === "string" && /vscode-jsonrpc[\\/]/.test(stack);
}

export function letLostRuntimeWritesGo(logger: Logger): void {
  process.on("unhandledRejection", (reason) => {
    if (isWriteToLostRuntime(reason)) {
      logger.warn("a write to a Copilot runtime that had gone away failed", { code: (reason as { code: string }).code });
      return;
    }
    logger.error("unhandled rejection; stopping", { error: reason instanceof Error ? reason.message : String(reason) });
    process.exitCode = 1;
    throw reason;
  });
}
