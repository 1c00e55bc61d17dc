// The deployment files (deploy/compose.yaml, deploy/kubernetes/, the two
// Containerfiles) checked against the gateway's own configuration: every
// variable set on the gateway is a setting src/config/settings.ts lists and the lot
// loads; ports, probe paths, the runtime's --port and COPILOT_CLI_URL, the
// shared COPILOT_HOME, the PostgreSQL URL and the image names agree across
// files. Last, the runtime image's health check runs against the pinned CLI.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { Config } from "../../src/config/config.js";
import { loadConfig } from "../../src/config/load-config.js";
import { helpText } from "../../src/config/startup-text.js";
import { copilotCli } from "../support/headless.js";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
const exists = (path: string) => existsSync(new URL(path, root));

const pkg = JSON.parse(read("package.json")) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const CLI_VERSION = pkg.devDependencies["@github/copilot"]!;

/** Every environment variable the gateway reads, from its own --help. */
const KNOWN_SETTINGS = new Set(
  helpText()
    .split("\n")
    .flatMap((line) => /^\s+env: (.+?)\s{2,}default:/.exec(line)?.[1]?.split(", ") ?? []),
);
/**
 * Set by the manifests for a setting the gateway does not read yet: the
 * runtime's connection token (the CLI reads COPILOT_CONNECTION_TOKEN; the
 * gateway is to send it to an external runtime under the same name). Until
 * src/config/settings.ts knows it, it must stay optional and empty by default on both
 * sides; once it does, it is checked like any other setting.
 */
const AWAITING_GATEWAY_SUPPORT = new Set(["COPILOT_CONNECTION_TOKEN"]);
const CONNECTION_TOKEN = "COPILOT_CONNECTION_TOKEN";
const GITHUB_TOKEN_VARIABLES = ["COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"];

const loadGatewayConfig = (env: Record<string, string | undefined>): Config => loadConfig([], env, { cacheDir: "/nonexistent-cache" });

function expectOnlyGatewaySettings(names: Iterable<string>): void {
  const unknown = [...names].filter((name) => !KNOWN_SETTINGS.has(name) && !AWAITING_GATEWAY_SUPPORT.has(name));
  expect(unknown, "variables the gateway does not read (see src/config/settings.ts)").toEqual([]);
}

/** `key=value` lines of an env file; comments and blank lines skipped. */
function envFile(path: string): Map<string, string> {
  const entries = read(path)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const eq = line.indexOf("=");
      expect(eq, `${path}: "${line}" is not KEY=value`).toBeGreaterThan(0);
      return [line.slice(0, eq), line.slice(eq + 1)] as const;
    });
  return new Map(entries);
}

function hostPort(url: string): { host: string; port: number } {
  const match = /^(?:http:\/\/)?([^:/]+):(\d+)\/?$/.exec(url);
  expect(match, `"${url}" is not host:port`).not.toBeNull();
  return { host: match![1]!, port: Number(match![2]) };
}

/** The value after `flag` in an argument list. */
function argAfter(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

/** `name:tag` (a registry path allowed) → last path segment and tag. */
function imageRef(image: string): { repository: string; name: string; tag: string } {
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  expect(colon, `image "${image}" has no tag`).toBeGreaterThan(slash);
  const repository = image.slice(0, colon);
  return { repository, name: repository.slice(slash + 1), tag: image.slice(colon + 1) };
}

// ---- Containerfiles ---------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}

/** Instructions per build stage (continuation lines joined, comments dropped). */
function containerfileStages(path: string): Instruction[][] {
  const lines = read(path)
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const stages: Instruction[][] = [];
  for (const line of lines) {
    const match = /^([A-Z]+)\s+(.*)$/.exec(line);
    expect(match, `${path}: cannot read "${line}"`).not.toBeNull();
    const instruction = { op: match![1]!, args: match![2]! };
    if (instruction.op === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const all = (stage: Instruction[], op: string) => stage.filter((i) => i.op === op).map((i) => i.args);
const jsonArgs = (text: string) => JSON.parse(text.slice(text.indexOf("["))) as string[];

function imageFacts(path: string) {
  const stages = containerfileStages(path);
  const final = stages.at(-1)!;
  const labels = all(final, "LABEL").join(" ");
  const env = new Map(
    all(final, "ENV").flatMap((args) => [...args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const)),
  );
  const healthcheck = all(final, "HEALTHCHECK")[0] ?? "";
  return {
    stages,
    final,
    title: /org\.opencontainers\.image\.title="([^"]+)"/.exec(labels)?.[1],
    env,
    exposed: all(final, "EXPOSE").flatMap((args) => args.split(/\s+/).map((port) => Number(port.replace(/\/tcp$/, "")))),
    healthcheck: jsonArgs(healthcheck.slice(healthcheck.indexOf(" CMD ") + 5)),
    user: all(final, "USER").at(-1),
  };
}

const gatewayImage = imageFacts("Containerfile");
const runtimeImage = imageFacts("deploy/runtime/Containerfile");
const runtimeCmd = jsonArgs(all(runtimeImage.final, "CMD")[0]!);

describe("the Containerfiles", () => {
  it("build copilot-gateway at package.json's version, serving PORT with a /healthz health check", () => {
    expect(gatewayImage.title).toBe("copilot-gateway");
    const port = Number(gatewayImage.env.get("PORT"));
    expect(gatewayImage.env.get("HOST")).toBe("0.0.0.0");
    expect(gatewayImage.exposed).toEqual([port]);
    expect(gatewayImage.healthcheck.join(" ")).toContain("/healthz");
    expect(gatewayImage.user).toBe("node");
    expect(jsonArgs(all(gatewayImage.final, "CMD")[0]!)).toEqual(["node", "dist/main.js"]);
  });

  it("compile better-sqlite3 in the gateway's build stage, which has the toolchain for it", () => {
    expect(pkg.dependencies).toHaveProperty("better-sqlite3");
    const build = gatewayImage.stages[0]!;
    const runs = all(build, "RUN").join("\n");
    for (const tool of ["python3", "make", "g++"]) expect(runs).toMatch(new RegExp(`apt-get install[^\\n]*\\s${tool.replace(/\+/g, "\\+")}(\\s|$)`));
    expect(runs).toMatch(/npm_config_build_from_source=true[^\n]*npm rebuild better-sqlite3/);
    // The final stage takes the compiled modules from the build stage (same base image).
    expect(all(gatewayImage.final, "COPY")).toContain("--from=build /app/node_modules ./node_modules");
    expect(all(gatewayImage.stages[0]!, "FROM")[0]!.split(" ")[0]).toBe(all(gatewayImage.final, "FROM")[0]!.split(" ")[0]);
  });

  it("build copilot-gateway-runtime from the npm CLI package.json pins, serving --headless on its EXPOSEd port", () => {
    expect(runtimeImage.title).toBe("copilot-gateway-runtime");
    const arg = all(runtimeImage.final, "ARG").find((a) => a.startsWith("COPILOT_VERSION="));
    expect(arg).toBe(`COPILOT_VERSION=${CLI_VERSION}`);
    expect(all(runtimeImage.final, "RUN").join("\n")).toContain('"@github/copilot@${COPILOT_VERSION}"');
    expect(jsonArgs(all(runtimeImage.final, "ENTRYPOINT")[0]!)).toEqual(["/usr/bin/tini", "--", "copilot"]);
    expect(runtimeCmd).toContain("--headless");
    expect(argAfter(runtimeCmd, "--host")).toBe("0.0.0.0");
    const port = Number(argAfter(runtimeCmd, "--port"));
    expect(runtimeImage.exposed).toEqual([port]);
    expect(runtimeImage.healthcheck).toEqual(["node", "/opt/copilot/healthcheck.mjs", String(port)]);
    expect(all(runtimeImage.final, "COPY")).toContain("healthcheck.mjs /opt/copilot/healthcheck.mjs");
    expect(exists("deploy/runtime/healthcheck.mjs")).toBe(true);
    expect(runtimeImage.env.get("COPILOT_HOME")).toBe("/var/lib/copilot/home");
    expect(runtimeImage.user).toBe("node");
  });

  it("let the runtime sign in with COPILOT_GITHUB_TOKEN only (a bare --no-auto-login would ignore it)", () => {
    expect(argAfter(runtimeCmd, "--auth-token-env")).toBe("COPILOT_GITHUB_TOKEN");
    expect(runtimeCmd).toContain("--no-auto-login");
    expect(runtimeCmd).toContain("--no-auto-update");
  });
});

/** Checks an image reference against what a Containerfile builds. */
function expectImage(image: string, expected: { name: string | undefined; tag: string }): void {
  const ref = imageRef(image);
  expect(ref.name).toBe(expected.name);
  expect(ref.tag).toBe(expected.tag);
}
const GATEWAY_IMAGE = { name: gatewayImage.title, tag: pkg.version };
const RUNTIME_IMAGE = { name: runtimeImage.title, tag: CLI_VERSION };

// ---- compose ----------------------------------------------------------------

interface ComposeService {
  image: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string | number> | string[];
  ports?: string[];
  volumes?: string[];
  networks?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { internal?: boolean } | null>;
}

const composeText = read("deploy/compose.yaml");
const compose = parse(composeText) as Compose;
const envExample = envFile("deploy/.env.example");

/** Compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}. */
function interpolate(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string | undefined) => {
    const value = vars.get(name);
    if (op === ":-") return value ? value : (arg ?? "");
    if (op === "-") return value ?? arg ?? "";
    if (op === ":?" || op === "?") {
      if (!value) throw new Error(`\${${name}} is required: ${arg}`);
      return value;
    }
    return value ?? "";
  });
}

/** The raw (uninterpolated) environment of a service. */
function rawEnvironment(service: ComposeService): Map<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return new Map(environment.map((entry) => [entry.split("=")[0]!, entry.slice(entry.indexOf("=") + 1)]));
  }
  return new Map(Object.entries(environment).map(([name, value]) => [name, String(value)]));
}

/** .env.example, with the required variables it leaves empty filled with stand-ins. */
const composeVars = new Map([...envExample].map(([name, value]) => [name, value || (name === "POSTGRES_PASSWORD" ? "pg-secret" : "")]));
const composeEnv = (service: ComposeService, vars: ReadonlyMap<string, string> = composeVars) =>
  new Map([...rawEnvironment(service)].map(([name, value]) => [name, interpolate(value, vars)]));

const services = compose.services;
const gateway = services["gateway"]!;
const runtime = services["runtime"]!;
const postgres = services["postgres"]!;

/** Named volume → mount path, for a service's `name:/path` volumes. */
const namedMounts = (service: ComposeService) =>
  new Map((service.volumes ?? []).map((entry) => entry.split(":")).filter((parts) => !parts[0]!.startsWith(".") && !parts[0]!.startsWith("/")).map((parts) => [parts[0]!, parts[1]!]));

describe("deploy/compose.yaml", () => {
  const env = composeEnv(gateway);
  let loaded: Config | undefined;
  /** Loaded on first use, so a bad setting fails the test that needs it, with the ConfigError. */
  const gatewayConfig = () => (loaded ??= loadGatewayConfig(Object.fromEntries(env)));

  it("runs the gateway, the headless runtime and PostgreSQL, every ${VARIABLE} documented in deploy/.env.example", () => {
    expect(Object.keys(services).sort()).toEqual(["gateway", "postgres", "runtime"]);
    const used = new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    expect([...used].sort()).toEqual([...envExample.keys()].sort());
  });

  it("sets only settings the gateway reads, and they load: listening on all interfaces, external runtime, PostgreSQL, keys", () => {
    expectOnlyGatewaySettings(env.keys());
    expect(gatewayConfig().host).toBe("0.0.0.0");
    expect(gatewayConfig().runtime.kind).toBe("external");
    expect(gatewayConfig().databaseUrl).toMatch(/^postgres:\/\//);
    // The port is published: never open to anyone, not even with GATEWAY_AUTH left out of .env.
    expect(gatewayConfig().auth).toBe("keys");
    const unset = new Map([...composeVars].filter(([name]) => name !== "GATEWAY_AUTH"));
    expect(loadGatewayConfig(Object.fromEntries(composeEnv(gateway, unset))).auth).toBe("keys");
    // Per-person seats need no API keys, and the example's empty ones do not get in the way.
    const github = loadGatewayConfig(Object.fromEntries(composeEnv(gateway, new Map([...composeVars, ["GATEWAY_AUTH", "github"]]))));
    expect(github.auth).toBe("github");
  });

  it("publishes and health-checks the gateway on its PORT", () => {
    const published = (gateway.ports ?? []).map((entry) => Number(interpolate(entry, composeVars).split(":").at(-1)));
    expect(published).toEqual([gatewayConfig().port]);
    expect(gateway.healthcheck?.test.join(" ")).toContain(`http://127.0.0.1:${gatewayConfig().port}/healthz`);
  });

  it("points COPILOT_CLI_URL at the runtime service's --headless --port, on a network only they share, unpublished", () => {
    const command = runtime.command!;
    expect(command).toContain("--headless");
    expect(argAfter(command, "--host")).toBe("0.0.0.0");
    const port = Number(argAfter(command, "--port"));
    const { runtime: target } = gatewayConfig();
    expect(target.kind).toBe("external");
    const url = hostPort(target.kind === "external" ? target.urls.join(",") : "");
    expect(url).toEqual({ host: "runtime", port });
    expect(runtime.ports).toBeUndefined();
    expect(runtime.healthcheck?.test).toEqual(["CMD", "node", "/opt/copilot/healthcheck.mjs", String(port)]);
    const shared = (runtime.networks ?? []).filter((network) => gateway.networks?.includes(network));
    expect(shared.length).toBeGreaterThan(0);
    for (const network of shared) {
      const members = Object.entries(services).filter(([, service]) => service.networks?.includes(network)).map(([name]) => name);
      expect(members.sort()).toEqual(["gateway", "runtime"]);
    }
  });

  it("shares the runtime's COPILOT_HOME and the gateway's data directory through one volume at one path", () => {
    const runtimeHome = composeEnv(runtime).get("COPILOT_HOME")!;
    expect(gatewayConfig().runtimeHome).toBe(runtimeHome);
    const gatewayMounts = namedMounts(gateway);
    const runtimeMounts = namedMounts(runtime);
    const [volume, path] = [...runtimeMounts].find(([, mount]) => runtimeHome.startsWith(`${mount}/`)) ?? [];
    expect(volume, "COPILOT_HOME is on a named volume").toBeDefined();
    expect(compose.volumes).toHaveProperty(volume!);
    expect(gatewayMounts.get(volume!)).toBe(path);
    // The runtime works in the scratch directories the gateway makes under its data directory.
    expect(gatewayConfig().dataDir.startsWith(`${path}/`)).toBe(true);
    expect(posix.relative(gatewayConfig().dataDir, runtimeHome).startsWith("..")).toBe(true);
  });

  it("connects the gateway to the postgres service as its user, to its database and port", () => {
    const url = new URL(gatewayConfig().databaseUrl!);
    const pg = composeEnv(postgres);
    expect(url.hostname).toBe("postgres");
    expect(Number(url.port || 5432)).toBe(Number(pg.get("PGPORT") ?? 5432));
    expect(decodeURIComponent(url.username)).toBe(pg.get("POSTGRES_USER"));
    expect(decodeURIComponent(url.password)).toBe(pg.get("POSTGRES_PASSWORD"));
    expect(url.pathname).toBe(`/${pg.get("POSTGRES_DB")}`);
    // Raw: both sides take the password from the same variable.
    expect(rawEnvironment(gateway).get("DATABASE_URL")).toContain(rawEnvironment(postgres).get("POSTGRES_PASSWORD"));
    const isReady = postgres.healthcheck!.test;
    expect(argAfter(isReady, "-U")).toBe(pg.get("POSTGRES_USER"));
    expect(argAfter(isReady, "-d")).toBe(pg.get("POSTGRES_DB"));
    const shared = (postgres.networks ?? []).filter((network) => gateway.networks?.includes(network));
    expect(shared.length).toBeGreaterThan(0);
    expect(runtime.networks?.some((network) => postgres.networks?.includes(network))).toBe(false);
    expect(postgres.ports).toBeUndefined();
  });

  it("starts the gateway once the runtime and the database are healthy", () => {
    expect(gateway.depends_on).toEqual({ runtime: { condition: "service_healthy" }, postgres: { condition: "service_healthy" } });
  });

  it("gives the GitHub token to the runtime only, and the connection token to both from one variable", () => {
    const gatewayRaw = rawEnvironment(gateway);
    const runtimeRaw = rawEnvironment(runtime);
    for (const name of GITHUB_TOKEN_VARIABLES) expect(gatewayRaw.has(name), `${name} on the gateway`).toBe(false);
    expect(runtimeRaw.get("COPILOT_GITHUB_TOKEN")).toMatch(/^\$\{COPILOT_GITHUB_TOKEN:-\}$/);
    expect(gatewayRaw.get(CONNECTION_TOKEN)).toBe(runtimeRaw.get(CONNECTION_TOKEN));
    if (!KNOWN_SETTINGS.has(CONNECTION_TOKEN)) {
      // The gateway would not send it, and the runtime would refuse the gateway: empty unless set.
      expect(runtimeRaw.get(CONNECTION_TOKEN)).toBe(`\${${CONNECTION_TOKEN}:-}`);
      expect(envExample.get(CONNECTION_TOKEN)).toBe("");
    }
  });

  it("builds and names the images the Containerfiles describe", () => {
    expectImage(gateway.image, GATEWAY_IMAGE);
    expectImage(runtime.image, RUNTIME_IMAGE);
    const containerfile = (service: ComposeService) => join("deploy", service.build!.context, service.build!.dockerfile);
    expect(containerfile(gateway)).toBe("Containerfile");
    expect(containerfile(runtime)).toBe(join("deploy", "runtime", "Containerfile"));
  });
});

// ---- Kubernetes ---------------------------------------------------------------

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  restartPolicy?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsUser?: number; runAsNonRoot?: boolean };
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; emptyDir?: object }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    /** A Service's labels, or a Deployment's and a PodDisruptionBudget's `matchLabels`. */
    selector?: Record<string, unknown>;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    ports?: { name?: string; port: number; targetPort: string | number }[];
    maxUnavailable?: number | string;
    minAvailable?: number | string;
  };
}
interface Kustomization {
  resources: string[];
  configMapGenerator: { name: string; envs: string[] }[];
  secretGenerator: { name: string; envs: string[] }[];
  images: { name: string; newName?: string; newTag?: string }[];
}

const K8S = "deploy/kubernetes";
const kustomization = parse(read(`${K8S}/kustomization.yaml`)) as Kustomization;
const manifestFiles = readdirSync(new URL(`${K8S}/`, root)).filter((file) => /\.ya?ml$/.test(file) && file !== "kustomization.yaml");
/** Applied on their own, once the operator has filled them in (a host name): not in the kustomization. */
const OPTIONAL_MANIFESTS = new Set(["ingress.yaml"]);
const manifests = manifestFiles.flatMap((file) =>
  parseAllDocuments(read(`${K8S}/${file}`)).map((document) => {
    expect(document.errors, file).toEqual([]);
    return document.toJSON() as Manifest;
  }),
);
const byKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);
const deployment = byKind("Deployment")[0]!;
const pod = deployment.spec!.template!.spec;
const podLabels = deployment.spec!.template!.metadata.labels;
const gatewayContainer = pod.containers.find((container) => container.name === "gateway")!;
const sidecar = pod.initContainers?.find((container) => container.name === "runtime")!;

const configGenerator = kustomization.configMapGenerator[0]!;
const secretGenerator = kustomization.secretGenerator[0]!;
const configData = new Map(configGenerator.envs.flatMap((file) => [...envFile(`${K8S}/${file}`)]));
/** The Secret as secrets.env.example fills it (kustomize reads secrets.env, made from it). */
const secretData = new Map(secretGenerator.envs.flatMap((file) => [...envFile(`${K8S}/${file}.example`)]));

/** A container's environment as the kubelet would give it, from the ConfigMap and the example Secret. */
function containerEnv(container: Container): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    expect(source.secretRef, "envFrom a Secret would hand every key to the container").toBeUndefined();
    expect(source.configMapRef?.name).toBe(configGenerator.name);
    for (const [name, value] of configData) env.set(name, value);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    const configMap = variable.valueFrom?.configMapKeyRef;
    if (secret) {
      expect(secret.name).toBe(secretGenerator.name);
      const value = secretData.get(secret.key);
      if (!secret.optional) expect(value, `required secret key ${secret.key} in secrets.env.example`).toBeTruthy();
      if (value !== undefined) env.set(variable.name, value);
    } else if (configMap) {
      expect(configMap.name).toBe(configGenerator.name);
      const value = configData.get(configMap.key);
      if (value !== undefined) env.set(variable.name, value);
    } else {
      env.set(variable.name, variable.value ?? "");
    }
  }
  return env;
}

/** A named or numbered container port → its number. */
function portNumber(container: Container, port: string | number): number {
  if (typeof port === "number") return port;
  const named = container.ports?.find((p) => p.name === port);
  expect(named, `port "${port}" of ${container.name}`).toBeDefined();
  return named!.containerPort;
}

/** Whether a selector (plain labels, or `{ matchLabels }`) selects pods with these labels. */
function matches(selector: Record<string, unknown> | undefined, labels: Record<string, string>): boolean {
  const wanted = (selector?.["matchLabels"] ?? selector ?? {}) as Record<string, unknown>;
  return Object.keys(wanted).length > 0 && Object.entries(wanted).every(([key, value]) => labels[key] === value);
}

describe("deploy/kubernetes", () => {
  const gatewayEnv = containerEnv(gatewayContainer);
  let loaded: Config | undefined;
  const gatewayConfig = () => (loaded ??= loadGatewayConfig(Object.fromEntries(gatewayEnv)));

  it("lists every manifest in kustomization.yaml, and generates the ConfigMap and Secret from env files", () => {
    expect([...kustomization.resources].sort()).toEqual(manifestFiles.filter((file) => !OPTIONAL_MANIFESTS.has(file)).sort());
    expect(byKind("Deployment")).toHaveLength(1);
    expect(byKind("Service")).toHaveLength(1);
    expect(byKind("PodDisruptionBudget")).toHaveLength(1);
    expect(configGenerator.name).toBe("copilot-gateway-config");
    expect(secretGenerator.name).toBe("copilot-gateway-secrets");
    expect(secretGenerator.envs).toEqual(["secrets.env"]);
    expect(read("deploy/.gitignore")).toContain("kubernetes/secrets.env");
    expectOnlyGatewaySettings(configData.keys());
  });

  it("keeps conversations on their replica: ClientIP on the Service, the agents' conversation headers at the ingress", () => {
    const [service] = byKind("Service") as Array<Manifest & { spec: { sessionAffinity?: string; ports: Array<{ name: string }> } }>;
    expect(service!.spec.sessionAffinity).toBe("ClientIP");
    const [ingress] = byKind("Ingress") as Array<Manifest & { metadata: { annotations: Record<string, string> }; spec: { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }> } }>;
    const hashBy = ingress!.metadata.annotations["nginx.ingress.kubernetes.io/upstream-hash-by"]!;
    // Claude Code, Codex and opencode send these on every request of a conversation (tests/agents' request logs); the address last, for the rest.
    for (const header of ["x_claude_code_session_id", "session_id", "x_session_affinity"]) expect(hashBy).toContain(`$http_${header}`);
    expect(hashBy.endsWith("$remote_addr")).toBe(true);
    const backend = ingress!.spec.rules[0]!.http.paths[0]!.backend.service;
    expect(backend.name).toBe(service!.metadata.name);
    expect(service!.spec.ports.map((port) => port.name)).toContain(backend.port.name);
  });

  it("sets only settings the gateway reads, and they load: all interfaces, the sidecar runtime, PostgreSQL", () => {
    expectOnlyGatewaySettings(gatewayEnv.keys());
    expect(gatewayConfig().host).toBe("0.0.0.0");
    expect(gatewayConfig().databaseUrl).toMatch(/^postgres(ql)?:\/\//);
    expect(gatewayConfig().auth).not.toBe("none");
    // Pod wiring stays in the Deployment, tunables in the ConfigMap: no name in both.
    const explicit = (gatewayContainer.env ?? []).map((variable) => variable.name);
    expect(explicit.filter((name) => configData.has(name))).toEqual([]);
  });

  it("serves PORT as the named container port the Service and the probes use; /healthz and /readyz", () => {
    expect(portNumber(gatewayContainer, "http")).toBe(gatewayConfig().port);
    expect(gatewayContainer.ports).toHaveLength(1);
    const probes = { startup: gatewayContainer.startupProbe, readiness: gatewayContainer.readinessProbe, liveness: gatewayContainer.livenessProbe };
    expect(probes.startup?.httpGet?.path).toBe("/healthz");
    expect(probes.liveness?.httpGet?.path).toBe("/healthz");
    expect(probes.readiness?.httpGet?.path).toBe("/readyz");
    for (const probe of Object.values(probes)) expect(portNumber(gatewayContainer, probe!.httpGet!.port)).toBe(gatewayConfig().port);
    const service = byKind("Service")[0]!;
    expect(matches(service.spec!.selector, podLabels)).toBe(true);
    for (const port of service.spec!.ports!) expect(portNumber(gatewayContainer, port.targetPort)).toBe(gatewayConfig().port);
  });

  it("runs several replicas, a selector that matches them, and a PodDisruptionBudget that keeps most up", () => {
    const replicas = deployment.spec!.replicas!;
    expect(replicas).toBeGreaterThanOrEqual(2);
    expect(matches(deployment.spec!.selector, podLabels)).toBe(true);
    const pdb = byKind("PodDisruptionBudget")[0]!.spec!;
    expect(matches(pdb.selector, podLabels)).toBe(true);
    const maxUnavailable = typeof pdb.maxUnavailable === "number" ? pdb.maxUnavailable : replicas - Number(pdb.minAvailable);
    expect(maxUnavailable).toBeGreaterThanOrEqual(1);
    expect(maxUnavailable).toBeLessThan(replicas);
    // Several replicas share one database; SQLite would be one per pod.
    const databaseUrl = gatewayContainer.env!.find((variable) => variable.name === "DATABASE_URL")!;
    expect(databaseUrl.valueFrom?.secretKeyRef?.optional).toBeFalsy();
  });

  it("gives each pod its runtime as a native sidecar on loopback, at the --port COPILOT_CLI_URL names, probed by handshake", () => {
    expect(sidecar).toBeDefined();
    expect(sidecar.restartPolicy).toBe("Always");
    const args = sidecar.args!;
    expect(args).toContain("--headless");
    expect(argAfter(args, "--host")).toBe("127.0.0.1");
    expect(argAfter(args, "--auth-token-env")).toBe("COPILOT_GITHUB_TOKEN");
    const port = Number(argAfter(args, "--port"));
    expect(gatewayConfig().runtime).toEqual({ kind: "external", urls: [`127.0.0.1:${port}`] });
    const handshake = ["node", "/opt/copilot/healthcheck.mjs", String(port)];
    // The startup probe holds the gateway back until the runtime accepts clients.
    expect(sidecar.startupProbe?.exec?.command).toEqual(handshake);
    expect(sidecar.livenessProbe?.exec?.command).toEqual(handshake);
  });

  it("shares the runtime's COPILOT_HOME and the gateway's data directory through one volume at one path", () => {
    const runtimeHome = containerEnv(sidecar).get("COPILOT_HOME")!;
    expect(gatewayConfig().runtimeHome).toBe(runtimeHome);
    const mount = sidecar.volumeMounts!.find((m) => runtimeHome.startsWith(`${m.mountPath}/`))!;
    expect(mount).toBeDefined();
    expect(pod.volumes?.find((volume) => volume.name === mount.name)?.emptyDir).toBeDefined();
    expect(gatewayContainer.volumeMounts).toContainEqual(mount);
    expect(gatewayConfig().dataDir.startsWith(`${mount.mountPath}/`)).toBe(true);
  });

  it("takes secrets from the Secret only, the GitHub token to the runtime only, the connection token to both or neither", () => {
    const refs = (container: Container) => new Map((container.env ?? []).flatMap((v) => (v.valueFrom?.secretKeyRef ? [[v.name, v.valueFrom.secretKeyRef] as const] : [])));
    const gatewayRefs = refs(gatewayContainer);
    const runtimeRefs = refs(sidecar);
    for (const name of ["DATABASE_URL", "GATEWAY_API_KEYS", "GATEWAY_ADMIN_KEY"]) expect(gatewayRefs.get(name)?.key, name).toBe(name);
    for (const name of GITHUB_TOKEN_VARIABLES) expect(gatewayEnv.has(name), `${name} on the gateway`).toBe(false);
    expect(runtimeRefs.get("COPILOT_GITHUB_TOKEN")?.optional).toBe(true);
    expect(gatewayRefs.get(CONNECTION_TOKEN)).toEqual(runtimeRefs.get(CONNECTION_TOKEN));
    if (!KNOWN_SETTINGS.has(CONNECTION_TOKEN) && runtimeRefs.has(CONNECTION_TOKEN)) {
      expect(runtimeRefs.get(CONNECTION_TOKEN)?.optional).toBe(true);
      expect(secretData.get(CONNECTION_TOKEN) ?? "").toBe("");
    }
    // Every key the example Secret has is used by some container.
    const used = new Set([...gatewayRefs.values(), ...runtimeRefs.values()].map((ref) => ref.key));
    expect([...secretData.keys()].filter((key) => !used.has(key))).toEqual([]);
  });

  it("runs the images the Containerfiles build, as their node user, with resources set", () => {
    expectImage(gatewayContainer.image, GATEWAY_IMAGE);
    expectImage(sidecar.image, RUNTIME_IMAGE);
    const expected = new Map([
      [gatewayContainer.image, GATEWAY_IMAGE],
      [sidecar.image, RUNTIME_IMAGE],
    ]);
    for (const override of kustomization.images) {
      const image = [...expected.keys()].find((image) => imageRef(image).repository === override.name);
      expect(image, `kustomization images: ${override.name}`).toBeDefined();
      expectImage(`${override.newName ?? override.name}:${override.newTag ?? imageRef(image!).tag}`, expected.get(image!)!);
    }
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    for (const container of [gatewayContainer, sidecar]) {
      expect(container.resources?.requests?.["memory"], container.name).toBeDefined();
      expect(container.resources?.limits?.["memory"], container.name).toBeDefined();
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(container.volumeMounts?.some((m) => m.mountPath === "/tmp"), `${container.name}: writable /tmp`).toBe(true);
    }
  });

  it("lets a stopping pod drain: the preStop pause plus the shutdown grace fit in the termination grace period", () => {
    const pause = Number(gatewayContainer.lifecycle?.preStop?.exec?.command.at(-1) ?? 0);
    const grace = gatewayConfig().shutdownGraceMs / 1000;
    expect(pause + grace).toBeLessThan(pod.terminationGracePeriodSeconds!);
  });
});

// ---- the runtime image's health check, against the pinned CLI ------------------------

describe("deploy/runtime/healthcheck.mjs against the pinned Copilot CLI", () => {
  const homes: string[] = [];
  const groups: number[] = [];
  afterAll(() => {
    for (const group of groups) {
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  /** The CLI with the image's own arguments, on loopback and a free port. */
  async function startCli(env: Record<string, string>): Promise<number> {
    const home = mkdtempSync(join(tmpdir(), "cgw-deploy-"));
    homes.push(home);
    const args = runtimeCmd.map((arg, i) => (runtimeCmd[i - 1] === "--port" ? "0" : runtimeCmd[i - 1] === "--host" ? "127.0.0.1" : arg));
    const childEnv: NodeJS.ProcessEnv = { ...process.env, COPILOT_HOME: home, COPILOT_AUTO_UPDATE: "false", ...env };
    if (!env[CONNECTION_TOKEN]) delete childEnv[CONNECTION_TOKEN];
    delete childEnv["COPILOT_GITHUB_TOKEN"];
    // npm's `copilot` is a Node launcher: its own process group, so it all stops together.
    const child = spawn(process.execPath, [copilotCli().path, ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
    groups.push(child.pid!);
    return new Promise((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`the CLI did not start: ${output}`)), 20_000);
      const onData = (data: Buffer) => {
        output += data.toString();
        const port = /listening on port (\d+)/.exec(output)?.[1];
        if (port) {
          clearTimeout(timer);
          resolve(Number(port));
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => reject(new Error(`the CLI exited with ${code}: ${output}`)));
    });
  }

  async function healthcheck(port: number, token?: string): Promise<{ ok: boolean; output: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env[CONNECTION_TOKEN];
    if (token) env[CONNECTION_TOKEN] = token;
    const script = new URL("deploy/runtime/healthcheck.mjs", root).pathname;
    return promisify(execFile)(process.execPath, [script, String(port)], { env }).then(
      ({ stdout }) => ({ ok: true, output: stdout }),
      (error: { stderr?: string }) => ({ ok: false, output: error.stderr ?? "" }),
    );
  }

  it("passes on a runtime that accepts clients, and fails where nothing listens", async () => {
    const port = await startCli({});
    const healthy = await healthcheck(port);
    expect(healthy.ok).toBe(true);
    expect(healthy.output).toMatch(new RegExp(`^runtime ${CLI_VERSION.replace(/\./g, "\\.")} healthy`));
    // The runtime refuses a token it was not started with (AUTHENTICATION_NOT_CONFIGURED).
    expect((await healthcheck(port, "a-token-it-was-not-started-with")).ok).toBe(false);
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const nothing = await healthcheck(closed);
    expect(nothing.ok).toBe(false);
    expect(nothing.output).toContain("ECONNREFUSED");
  }, 40_000);

  it("passes with the runtime's COPILOT_CONNECTION_TOKEN, and fails without it", async () => {
    const port = await startCli({ [CONNECTION_TOKEN]: "shared-secret" });
    expect((await healthcheck(port, "shared-secret")).ok).toBe(true);
    const without = await healthcheck(port);
    expect(without.ok).toBe(false);
    expect(without.output).toContain("AUTHENTICATION_FAILED");
    expect((await healthcheck(port, "wrong")).ok).toBe(false);
  }, 40_000);
});
