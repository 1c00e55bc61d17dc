// A loopback relay between the runtime and a BYOK model provider, there for
// one reason: the runtime tags history it loads from disk (a resumed or
// seeded session) with private `__copilot…` fields — `__copilotMessageSource`
// on tool messages — and sends them to the provider, and strict providers
// (OpenAI among them) answer unknown message fields with a 400. The runtime is
// native code, so the fields are removed here, on the way out.
//
// Why not the SDK's `requestHandler`, which sees every model request: it
// relays each request and every response chunk through this process over
// JSON-RPC, measured at +6–7 ms to the first token of every turn, against
// about +1.4 ms for this relay; and on a shared headless runtime it would
// capture every other client's model traffic too. Copilot's own API (no
// BYOK) needs no relay: it is the runtime's own service, which its CLI
// resumes sessions against every day.
//
// Requests without the marker are forwarded byte for byte; responses are
// piped as they arrive (streaming is untouched); WebSocket upgrades are
// tunnelled. When the runtime hangs up, the provider call is cancelled.
import { createServer, request as httpRequest, Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { request as httpsRequest, Agent as HttpsAgent } from "node:https";
import { connect as netConnect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream";
import { connect as tlsConnect } from "node:tls";

const MARKER = Buffer.from('"__copilot');

/** Headers that describe one hop of a connection, not the request. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"]);

export class ProviderRelay {
  private constructor(
    private readonly server: Server,
    /** Upgraded connections, which the HTTP server no longer tracks. */
    private readonly tunnels: Set<Socket>,
    /** The provider's base URL as the runtime should call it. */
    readonly baseUrl: string,
  ) {}

  /** Listens on 127.0.0.1 (a free port) and forwards everything to `providerBaseUrl`'s origin. */
  static async start(providerBaseUrl: string): Promise<ProviderRelay> {
    const target = new URL(providerBaseUrl);
    const secure = target.protocol === "https:";
    const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    const server = createServer((req, res) => forward(req, res, target, agent));
    const tunnels = new Set<Socket>();
    server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
      tunnels.add(socket);
      socket.once("close", () => tunnels.delete(socket));
      tunnel(req, socket, head, target);
    });
    server.on("clientError", (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.address() as AddressInfo;
    const path = target.pathname.replace(/\/+$/, "");
    return new ProviderRelay(server, tunnels, `http://127.0.0.1:${port}${path}`);
  }

  async close(): Promise<void> {
    (this.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    for (const socket of this.tunnels) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The body without any `__copilot…` key, anywhere; the same bytes when it has none or is not JSON. */
export function withoutPrivateFields(body: Buffer): Buffer {
  if (!body.includes(MARKER)) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return body;
  }
  return Buffer.from(JSON.stringify(dropPrivateKeys(parsed)), "utf8");
}

function dropPrivateKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropPrivateKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !key.startsWith("__copilot"))
      .map(([key, item]) => [key, dropPrivateKeys(item)]),
  );
}

function forward(req: IncomingMessage, res: ServerResponse, target: URL, agent: HttpAgent): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("error", () => res.destroy());
  req.on("end", () => {
    const body = withoutPrivateFields(Buffer.concat(chunks));
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const outgoing = send(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        agent,
        headers: { ...endToEnd(req.headers), host: target.host, "content-length": String(body.length) },
      },
      (incoming) => {
        res.writeHead(incoming.statusCode ?? 502, endToEnd(incoming.headers));
        pipeline(incoming, res, () => undefined);
      },
    );
    // The provider could not be reached: the runtime sees its connection fail, as it would without the relay.
    outgoing.on("error", () => res.destroy());
    // The runtime hung up (an aborted turn): cancel the provider call.
    res.on("close", () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  });
}

/** A WebSocket upgrade: the request head goes to the provider as it came, then bytes flow both ways untouched. */
function tunnel(req: IncomingMessage, socket: Socket, head: Buffer, target: URL): void {
  const secure = target.protocol === "https:";
  const port = Number(target.port || (secure ? 443 : 80));
  const upstream = secure ? tlsConnect({ host: target.hostname, port, servername: target.hostname }) : netConnect({ host: target.hostname, port });
  upstream.once(secure ? "secureConnect" : "connect", () => {
    const headers = Object.entries({ ...req.headers, host: target.host }).flatMap(([name, value]) =>
      value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((item) => `${name}: ${item}`),
    );
    upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    pipeline(upstream, socket, () => undefined);
    pipeline(socket, upstream, () => undefined);
  });
  upstream.on("error", () => socket.destroy());
  upstream.on("close", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
  socket.on("close", () => upstream.destroy());
}

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}
