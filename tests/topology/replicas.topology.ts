// Two gateway replicas behind HAProxy, on one PostgreSQL, each on a host of
// its own (network namespaces; see topology.ts), driven only through the
// balancer as clients would be: conversations stay on their replica and go on
// natively; a replica killed mid-stream costs nothing the other cannot serve;
// a replica cut off from the database goes on serving, says it is unready for
// the store, and records what it served once the link is back; a rolling
// restart fails no request; budgets and revocations hold across both. `npm run test:topology` (root, `ip netns`, Debian's haproxy
// and postgresql; `.ci/run` runs it when the machine allows).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText, echoResponder, lastUserText, type UpstreamRequest } from "../support/upstream.js";
import { haproxyMissing } from "./balancer.js";
import { admin, answeredBy, chat, Conversation, conversationIdFor, createKey, respond, type TurnResult } from "./client.js";
import { cannotBuildTopology } from "./network.js";
import { postgresBinaries } from "../support/private-postgres.js";
import type { Replica } from "./replica.js";
import { MODEL, startTopology, type Topology } from "./topology.js";

/** Long enough for every stream of the rolling restart to finish inside it. */
const SHUTDOWN_GRACE_SECONDS = 20;

let topology: Topology;
let balancer: string;
let replicas: Topology["replicas"];

beforeAll(async () => {
  const postgres = postgresBinaries();
  const blocker = cannotBuildTopology() ?? haproxyMissing() ?? ("missing" in postgres ? postgres.missing : undefined);
  if (blocker) throw new Error(`the topology cannot be built here: ${blocker}`);
  topology = await startTopology({ GATEWAY_SHUTDOWN_GRACE_SECONDS: String(SHUTDOWN_GRACE_SECONDS) });
  balancer = topology.balancer.origin;
  replicas = topology.replicas;
});
afterAll(async () => {
  await topology?.close();
});

/** Both replicas in HAProxy's rotation again, whatever a test did to them. */
async function bothUp(): Promise<void> {
  for (const [i, replica] of replicas.entries()) {
    if (replica.pid === undefined || !(await reachable(replica))) await replica.start();
    await topology.balancer.waitForStatus(`gateway-${i + 1}`, "UP", 30_000);
  }
}

async function reachable(replica: Replica): Promise<boolean> {
  return fetch(`${replica.origin}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );
}

/** The messages the model was sent for the turn whose user message is `text`, as role: text. */
function sentToModel(text: string): string[] {
  const call = topology.upstream.calls.findLast(({ request }) => lastUserText(request) === text);
  expect(call, `the model got "${text}"`).toBeDefined();
  return modelMessages(call!.request);
}

function modelMessages(request: UpstreamRequest): string[] {
  return request.messages.filter((message) => message.role !== "system").map((message) => `${message.role}: ${contentText(message.content).replace(/^<current_datetime>[\s\S]*?<\/current_datetime>\s*/, "")}`);
}

describe("two replicas behind HAProxy on one PostgreSQL", () => {
  it("keeps each conversation on one replica, continued natively on every turn, whichever header the agent sends", async () => {
    topology.upstream.reset();
    const { key } = await createKey(balancer);
    const conversationsOn = new Map<string, number>();
    const converse = async (header: string | undefined) => {
      const conversation = new Conversation(balancer, key, { header });
      const answers: TurnResult[] = [];
      for (const [turn, stream] of [false, true, false, true].entries()) answers.push(await conversation.say(`turn ${turn} of ${conversation.id}`, { stream }));
      expect(answers.map((answer) => answer.complete)).toEqual([true, true, true, true]);
      expect(["new", "warm", "recycled"]).toContain(answers[0]!.origin);
      expect(answers.slice(1).map((answer) => answer.origin)).toEqual(["continued", "continued", "continued"]);
      const servedBy = new Set(await Promise.all(answers.map((answer) => answeredBy(replicas, answer.requestId))));
      expect([...servedBy].map((replica) => replica.name), `${header ?? "no header"}: one replica for the whole conversation`).toHaveLength(1);
      const [replica] = servedBy;
      conversationsOn.set(replica!.name, (conversationsOn.get(replica!.name) ?? 0) + 1);
    };
    // Claude Code's, Codex's and opencode's conversation headers, and none (kept by the client's address).
    for (const header of ["x-claude-code-session-id", "session-id", "x-session-affinity", undefined]) await converse(header);
    // More conversations until both replicas hold some: each lands on either, about evenly.
    for (let more = 0; conversationsOn.size < 2 && more < 20; more++) await converse("x-claude-code-session-id");
    expect([...conversationsOn.keys()].sort()).toEqual(["gw1", "gw2"]);
    figures("conversations", { ...Object.fromEntries(conversationsOn), turnsEach: 4 });
  });

  it("holds one budget and one revocation across both replicas", async () => {
    topology.upstream.reset();
    const probe = await createKey(balancer);
    const [toFirst, toSecond] = await Promise.all(replicas.map((replica) => conversationIdFor(balancer, replicas, replica, probe.key)));
    const toEach = [toFirst!, toSecond!];

    // Every echo turn costs 11 + 7 tokens, more than the whole budget: one turn may run, whichever replica takes it.
    const budget = await createKey(balancer, { budget: { period: "day", tokens: 10 } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        chat(balancer, budget.key, { model: MODEL, messages: [{ role: "user", content: `budget ${i}` }], stream: i % 4 === 0 }, { headers: { "x-claude-code-session-id": toEach[i % 2]! } }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 429).map((answer) => answer.error)).toEqual(Array(19).fill("insufficient_quota"));
    const refusedBy = await Promise.all(answers.filter((answer) => answer.status === 429).map((answer) => answeredBy(replicas, answer.requestId, 429)));
    expect(new Set(refusedBy.map((replica) => replica.name)), "both replicas refused some").toEqual(new Set(["gw1", "gw2"]));
    const spent = await waitForSpend(budget.id, 18);
    expect(spent).toBe(18);
    figures("budget", { served: 1, refused: 19, refusedBy: countBy(refusedBy.map((replica) => replica.name)), spentTokens: spent });

    const revoked = await createKey(balancer);
    for (const id of toEach) expect((await chat(balancer, revoked.key, { model: MODEL, messages: [{ role: "user", content: "before" }], stream: false }, { headers: { "x-claude-code-session-id": id } })).status).toBe(200);
    expect((await admin(balancer, "DELETE", `/keys/${revoked.id}`)).json.status).toBe("revoked");
    for (const [i, id] of toEach.entries()) {
      const refused = await chat(balancer, revoked.key, { model: MODEL, messages: [{ role: "user", content: "after" }], stream: false }, { headers: { "x-claude-code-session-id": id } });
      expect(refused.status).toBe(401);
      expect(await answeredBy(replicas, refused.requestId, 401)).toBe(replicas[i]);
    }
  });

  it("loses nothing when a replica dies mid-stream: the other goes on with the conversation and its kept responses, natively", async () => {
    topology.upstream.reset();
    const { key, id: keyId } = await createKey(balancer);
    const conversation = new Conversation(balancer, key);
    const affinity = { "x-claude-code-session-id": conversation.id };
    const first = await conversation.say("my name is Ada");
    const second = await conversation.say("remember it", { stream: true });
    const kept1 = await respond(balancer, key, "the first kept words", { headers: affinity });
    const kept2 = await respond(balancer, key, "the second kept words", { headers: affinity, previousResponseId: kept1.id! });
    expect([first, second].map((answer) => answer.complete)).toEqual([true, true]);
    expect([kept1.status, kept2.status]).toEqual([200, 200]);
    const home = await answeredBy(replicas, first.requestId);
    const other = replicas.find((replica) => replica !== home)!;
    for (const answer of [second, kept1, kept2]) expect(await answeredBy(replicas, answer.requestId)).toBe(home);

    topology.upstream.respond((request, index) =>
      lastUserText(request) === "a long answer" ? { steps: [{ text: "the start " }, { delayMs: 5_000 }, { text: "the end" }] } : echoResponder(request, index),
    );
    let firstWords: () => void = () => {};
    const firstWordsArrived = new Promise<void>((resolve) => (firstWords = resolve));
    const interrupted = conversation.say("a long answer", { stream: true, onText: () => firstWords() });
    // The client has the answer's first words; the rest is seconds away.
    await firstWordsArrived;
    await home.kill();
    const broken = await interrupted;
    expect(broken).toMatchObject({ status: 200, complete: false, text: "the start " });

    // The client sends the turn again, as an agent does after a broken stream.
    const again = await conversation.say("a long answer", { stream: true });
    expect(again).toMatchObject({ status: 200, complete: true, text: "the start the end", origin: "seeded" });
    expect(await answeredBy(replicas, again.requestId)).toBe(other);
    expect(sentToModel("a long answer")).toEqual(["user: my name is Ada", "assistant: echo: my name is Ada", "user: remember it", "assistant: echo: remember it", "user: a long answer"]);
    const kept3 = await respond(balancer, key, "the third kept words", { headers: affinity, previousResponseId: kept2.id! });
    expect(kept3).toMatchObject({ status: 200, origin: "seeded" });
    expect(await answeredBy(replicas, kept3.requestId)).toBe(other);
    expect(sentToModel("the third kept words")).toEqual([
      "user: the first kept words",
      "assistant: echo: the first kept words",
      "user: the second kept words",
      "assistant: echo: the second kept words",
      "user: the third kept words",
    ]);
    // Every turn that was answered is on record, those of the replica that died included.
    expect(await waitForRequests(keyId, 6)).toBe(6);

    // The host comes back: HAProxy takes it in again and the conversation returns to it, seeded on its new runtime.
    const homeServer = `gateway-${replicas.indexOf(home) + 1}`;
    await topology.balancer.waitForStatus(homeServer, "DOWN", 15_000);
    await home.start();
    await topology.balancer.waitForStatus(homeServer, "UP", 30_000);
    expect(home.log()).toMatch(/"removed":[1-9]\d*,[^\n]*session state left by a gateway that did not stop/);
    const back = await conversation.say("and now?");
    expect(back).toMatchObject({ status: 200, complete: true, origin: "seeded" });
    expect(await answeredBy(replicas, back.requestId)).toBe(home);
    figures("killed mid-stream", { killed: home.name, resentTo: other.name, resentOrigin: again.origin, keptResponseOrigin: kept3.origin, recordedRequests: 6, afterRestart: back.origin });
  });

  it("keeps answering while one replica's database link is down: the replica serves the keys it knows, is unready for the store, and writes what it served once the link is back", async () => {
    topology.upstream.reset();
    await bothUp();
    const [cut, spared] = replicas;
    const { key, id: keyId } = await createKey(balancer);
    // Each replica verifies the key here, before the cut (GET /v1/models, no turn).
    const toCut = await conversationIdFor(balancer, replicas, cut, key);
    const toSpared = await conversationIdFor(balancer, replicas, spared, key);
    interface Sent {
      to: "cut" | "spared";
      at: number;
      answer?: TurnResult;
    }
    const sent: Sent[] = [];
    const send = (to: Sent["to"], start: number) => {
      const record: Sent = { to, at: Date.now() - start };
      sent.push(record);
      const id = to === "cut" ? toCut : toSpared;
      return chat(balancer, key, { model: MODEL, messages: [{ role: "user", content: `${to} at ${record.at}` }], stream: false }, { headers: { "x-claude-code-session-id": id }, signal: AbortSignal.timeout(120_000) }).then(
        (answer) => void (record.answer = answer),
      );
    };
    /** What the cut replica's /readyz?store=required said, and when (ms from the cut). */
    const readiness: Array<{ at: number; status: number; code?: string }> = [];
    const probeReadiness = async (start: number) => {
      const response = await fetch(`${cut.origin}/readyz?store=required`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      const body = (await response?.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
      readiness.push({ at: Date.now() - start, status: response?.status ?? 0, ...(body?.error?.code ? { code: body.error.code } : {}) });
    };
    const pending: Array<Promise<void>> = [];
    const CUT_MS = 8_000;
    const AFTER_MS = 12_000;
    /** From this long after the link is back, the cut replica answers its own conversations and is ready again. */
    const RECOVERY_MS = 8_000;
    const start = Date.now();
    topology.databaseLinks[0].down();
    try {
      while (Date.now() - start < CUT_MS) {
        pending.push(send("cut", start), send("spared", start), probeReadiness(start));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      topology.databaseLinks[0].up();
    }
    const restoredAt = Date.now() - start;
    while (Date.now() - start < restoredAt + AFTER_MS) {
      pending.push(send("cut", start), probeReadiness(start));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // No request may hang: each is answered within a generous bound of the link's return (TCP's retries included).
    const settled = await Promise.race([Promise.all(pending).then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000))]);
    const unanswered = sent.filter((record) => !record.answer).map((record) => `${record.to} at ${record.at} ms`);
    expect(settled, `unanswered 30 s after the link came back: ${unanswered.join(", ")}`).toBe(true);
    const answers = sent.map(({ to, at, answer }) => ({ to, at, answer: answer!, line: `${to} sent at ${at} ms: ${answer!.status} ${answer!.error ?? ""} (${answer!.ms} ms)`.trim() }));
    // One replica's database gone is not the clients' concern: the replica serves the key it verified
    // before, and what it must refuse (503) HAProxy sends to the other.
    expect(
      answers.filter(({ answer }) => answer.status !== 200).map(({ line }) => line),
      `every answer a 200 (link down 0-${restoredAt} ms)`,
    ).toEqual([]);
    const servedBy = await Promise.all(answers.map(({ answer }) => answeredBy(replicas, answer.requestId)));
    const afterRecovery = answers.map((answer, i) => ({ ...answer, by: servedBy[i]! })).filter(({ to, at }) => to === "cut" && at >= restoredAt + RECOVERY_MS);
    expect(afterRecovery.length).toBeGreaterThan(0);
    expect(afterRecovery.filter(({ by }) => by !== cut).map(({ line }) => line), "the cut replica answers its own conversations again").toEqual([]);

    // Its readiness said so, for an operator who drains on it: unready for the store during the cut, ready after.
    const unready = readiness.filter((probe) => probe.at < restoredAt && probe.status === 503);
    expect(unready.length, JSON.stringify(readiness)).toBeGreaterThan(0);
    expect(new Set(unready.map((probe) => probe.code))).toEqual(new Set(["store_unavailable"]));
    expect(readiness.filter((probe) => probe.at >= restoredAt + RECOVERY_MS && probe.status !== 200), JSON.stringify(readiness)).toEqual([]);

    // What was served during the cut is recorded once the link is back: once each, none lost.
    expect(await waitForRequests(keyId, answers.length)).toBe(answers.length);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await waitForRequests(keyId, answers.length)).toBe(answers.length);
    const slowest = Math.max(...answers.map(({ answer }) => answer.ms));
    figures("database link down", {
      linkDownMs: restoredAt,
      requests: answers.length,
      servedBy: countBy(servedBy.map((replica) => replica.name)),
      slowestMs: slowest,
      unreadyFromMs: unready[0]?.at,
      recorded: answers.length,
    });
  });

  it("restarts both replicas one after the other (SIGTERM, drain, start) under steady traffic without failing a request", async () => {
    topology.upstream.reset();
    await bothUp();
    // Answers take about half a second, so streams are in flight whenever a replica is signalled.
    topology.upstream.respond((request) => {
      const text = `echo: ${lastUserText(request)}`;
      return { steps: [{ text: text.slice(0, 6) }, { delayMs: 400 }, { text: text.slice(6) }], usage: { prompt_tokens: 11, completion_tokens: 7 } };
    });
    const { key } = await createKey(balancer);
    // Three conversations on each replica, with each agent's header; half of
    // them as long as agents' requests are (their instructions alone are tens
    // of KiB), more than HAProxy keeps for re-sending an answered request.
    const headers = ["x-claude-code-session-id", "session-id", "x-session-affinity"];
    const longInstructions = `You are a coding agent. ${"Follow the project's conventions. ".repeat(700)}`;
    const placed = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => ({
        header: headers[i % 3]!,
        id: await conversationIdFor(balancer, replicas, replicas[i % 2]!, key, headers[i % 3]),
        ...(i >= 3 ? { system: longInstructions } : {}),
      })),
    );
    const answers: TurnResult[] = [];
    let running = true;
    const clients = placed.map(async (options, i) => {
      const conversation = new Conversation(balancer, key, options);
      for (let turn = 0; running; turn++) {
        const answer = await conversation.say(`turn ${turn} of client ${i}`, { stream: turn % 2 === 1 });
        answers.push(answer);
        // As an SDK would after a failure (it fails the test anyway): not a tight loop of refusals.
        if (!answer.complete) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    });
    const exitCodes: Array<number | null> = [];
    const restartedAt: number[] = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      for (const [i, replica] of replicas.entries()) {
        exitCodes.push(await replica.stop());
        await replica.start();
        await topology.balancer.waitForStatus(`gateway-${i + 1}`, "UP", 30_000);
        restartedAt.push(answers.length);
      }
      // Traffic goes on a while with both back.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    } finally {
      running = false;
      await Promise.all(clients);
    }
    const failed = answers.filter((answer) => !answer.complete);
    expect(
      failed.map((answer) => `${answer.requestId}: ${answer.status} ${answer.error}`),
      `of ${answers.length} requests; the replicas logged:\n${logLines(failed.map((answer) => answer.requestId))}`,
    ).toEqual([]);
    expect(exitCodes).toEqual([0, 0]);
    expect(answers.length).toBeGreaterThan(restartedAt[1]!);
    const origins = answers.map((answer) => answer.origin);
    // Conversations whose replica stopped went on, seeded, on the other; none was flattened to text.
    expect(origins.filter((origin) => origin === "seeded").length).toBeGreaterThan(0);
    expect(origins.filter((origin) => !["new", "warm", "recycled", "continued", "seeded"].includes(origin ?? ""))).toEqual([]);
    // Each restarted replica served again once it was back.
    const lastAnswers = await Promise.all(answers.slice(restartedAt[1]!).map((answer) => answeredBy(replicas, answer.requestId)));
    expect(new Set(lastAnswers.map((replica) => replica.name))).toEqual(new Set(["gw1", "gw2"]));
    const refusedWhileStopping = replicas.flatMap((replica) => replica.log().split("\n")).filter((line) => line.includes('"error_code":"shutting_down"')).length;
    figures("rolling restart", { requests: answers.length, failed: failed.length, origins: countBy(origins), refusedWhileStopping });
  });
});

/** A key's spend once its turns are recorded (a turn is recorded as its answer ends). */
async function waitForSpend(keyId: string, tokens: number): Promise<number> {
  let spent = 0;
  for (let attempt = 0; attempt < 100 && spent < tokens; attempt++) {
    spent = (await admin(balancer, "GET", `/keys/${keyId}`)).json.spent.tokens as number;
    if (spent < tokens) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return spent;
}

/** A key's recorded requests, once they reach `count` (or what they are after waiting). */
async function waitForRequests(keyId: string, count: number): Promise<number> {
  let requests = 0;
  for (let attempt = 0; attempt < 100 && requests < count; attempt++) {
    const report = await admin(balancer, "GET", "/usage?group_by=key");
    requests = (report.json.data as Array<{ group: { key: string }; requests: number }>).find((row) => row.group.key === keyId)?.requests ?? 0;
    if (requests < count) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return requests;
}

/** What the replicas logged about these requests, and their shutdowns and failures, for a failure's message. */
function logLines(requestIds: string[]): string {
  return replicas
    .flatMap((replica) =>
      replica
        .log()
        .split("\n")
        .filter((line) => requestIds.some((id) => line.includes(id)) || /shutting down|"level":"(warn|error)"/.test(line))
        .map((line) => `${replica.name} ${line}`),
    )
    .join("\n");
}

function countBy(values: Array<string | number | null>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

/** One line of what a scenario measured, for the run's output (and the closing note). */
function figures(scenario: string, values: Record<string, unknown>): void {
  console.info(`topology figures, ${scenario}: ${JSON.stringify(values)}`);
}
