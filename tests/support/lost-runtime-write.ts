// Run as a child process by tests/unit/stray-rejections.test.ts: reproduces
// the rejection nobody handles when a request is written to a runtime
// connection that has closed (vscode-jsonrpc, the SDK's JSON-RPC, rethrows it
// inside an async Promise executor), or — with "bug" — any other unhandled
// rejection. The gateway's process guard is installed as in src/main.ts.
import { once } from "node:events";
import { connect, createServer, type AddressInfo } from "node:net";
// The SDK's own JSON-RPC layer (a dependency of @github/copilot-sdk).
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node.js";
import { letLostRuntimeWritesGo } from "../../src/node/stray-rejections.js";

const print = (level: string) => (message: string, fields?: Record<string, unknown>) => console.log(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
letLostRuntimeWritesGo({ error: print("ERROR"), warn: print("WARN"), info: print("INFO"), debug: print("DEBUG") });

if (process.argv[2] === "bug") {
  void Promise.reject(new Error("a rejection that is a bug"));
} else {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  await once(socket, "connect");
  const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
  connection.onError(() => undefined);
  connection.listen();
  // The connection breaks (a runtime that died) in the very tick a request is
  // written, before the JSON-RPC layer has seen it close: the race a busy gateway runs into.
  socket.destroy();
  connection.sendRequest("session.send", { prompt: "hi" }).catch(() => console.log("the request itself failed"));
  server.close();
}
setTimeout(() => {
  console.log("still serving");
  process.exit(0);
}, 300);
