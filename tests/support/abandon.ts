// Streams whose clients leave at random moments (before the first byte,
// mid-stream or not at all), `concurrency` at a time: what abandoned
// requests leave behind is measured after them.
import { chatBody } from "./gateway.js";

export async function abandonStreams(baseUrl: string, total: number, concurrency = 10): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; i < total; i += concurrency) {
        const leave = new AbortController();
        setTimeout(() => leave.abort(), Math.random() * 400);
        await fetch(`${baseUrl}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(chatBody(`question ${i}`, { stream: true })),
          signal: leave.signal,
        })
          .then((response) => response.text())
          .catch(() => undefined);
      }
    }),
  );
}
