// A TCP link on 127.0.0.1 that can go silent: while silent, bytes sent either
// way are swallowed and no connection is closed or reset — what a partition,
// a dead host or a firewall dropping packets looks like to both ends (their
// TCP sees no answer, and gives up only after many minutes). New connections
// are accepted but get nothing through either. `restore()` lets new bytes
// through again; what was swallowed stays lost, as on a real network after
// TCP's retries ran out (pg's connections that lost bytes are unusable after,
// which is what a silent link does to them too).
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface SilentLink {
  /** host:port to connect to instead of the target. */
  readonly port: number;
  silence(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startSilentLink(targetHost: string, targetPort: number): Promise<SilentLink> {
  let silent = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    track(client);
    track(upstream);
    const relay = (from: Socket, to: Socket) => {
      from.on("data", (chunk) => {
        if (!silent) to.write(chunk);
      });
      from.on("close", () => to.destroy());
    };
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    silence: () => void (silent = true),
    restore: () => void (silent = false),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
