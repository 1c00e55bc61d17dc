// deploy/haproxy/haproxy.cfg keeps conversations where the Kubernetes ingress
// does, and moves requests off a replica the way the gateway's answers allow.
// HAProxy itself runs this file in `npm run test:topology`; this keeps it in
// step with deploy/kubernetes/ingress.yaml where no HAProxy is installed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const config = read("deploy/haproxy/haproxy.cfg")
  .split("\n")
  .map((line) => line.replace(/#.*/, "").trim())
  .filter((line) => line !== "");
const section = (name: string) => {
  const start = config.indexOf(name);
  expect(start, name).toBeGreaterThanOrEqual(0);
  const end = config.findIndex((line, i) => i > start && /^(global|defaults|frontend|backend|listen)\b/.test(line));
  return config.slice(start + 1, end === -1 ? undefined : end);
};

describe("deploy/haproxy/haproxy.cfg", () => {
  const backend = section("backend gateways");

  it("hashes on the ingress's conversation headers, in its order, then the client's address, consistently", () => {
    const keys = backend.filter((line) => line.startsWith("http-request set-var(txn.conversation)")).map((line) => line.split(" ")[2]!);
    const ingress = parse(read("deploy/kubernetes/ingress.yaml")) as { metadata: { annotations: Record<string, string> } };
    const hashBy = ingress.metadata.annotations["nginx.ingress.kubernetes.io/upstream-hash-by"]!;
    const ingressHeaders = [...hashBy.matchAll(/\$http_(\w+)/g)].map((match) => match[1]!.replaceAll("_", "-"));
    expect(ingressHeaders.length).toBeGreaterThan(0);
    expect(keys).toEqual([...ingressHeaders.map((header) => `req.hdr(${header})`), "src"]);
    expect(backend).toContain("balance hash var(txn.conversation)");
    expect(backend).toContain("hash-type consistent");
  });

  it("takes a replica out on /readyz, and sends a refused, unanswered or 503 request to another", () => {
    expect(backend).toContain("option httpchk GET /readyz");
    expect(backend).toContain("http-check expect status 200");
    const defaults = section("defaults");
    expect(defaults).toContain("option redispatch 1");
    expect(defaults.find((line) => line.startsWith("retry-on"))?.split(" ").slice(1).sort()).toEqual(["503", "conn-failure", "empty-response"]);
    // No kept-alive connection to a replica: one that is stopping refuses the next request's connection, which
    // HAProxy retries whatever its size, instead of answering it 503 on an old one, which HAProxy cannot re-send once it outgrew its buffer.
    expect(defaults).toContain("option http-server-close");
    // Streams and buffered answers may take long: no timeout shorter than the ingress's hour.
    expect(defaults).toContain("timeout server 1h");
  });

  it("names its replicas by environment, one server line each", () => {
    const servers = backend.filter((line) => line.startsWith("server "));
    expect(servers.length).toBeGreaterThanOrEqual(2);
    servers.forEach((line, i) => expect(line).toBe(`server gateway-${i + 1} "\${GATEWAY_${i + 1}}"`));
  });
});
