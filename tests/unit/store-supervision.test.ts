// How the gateway tells its store is out, and the supervisor that refuses
// every use of it at once while it is, probes it every so often, and lets it
// be used again when the probe succeeds.
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/core/logger.js";
import { isStoreUnavailable } from "../../src/core/store-outage.js";
import { isOutageError } from "../../src/storage/store-errors.js";
import { StoreSupervisor } from "../../src/storage/store-supervisor.js";

const withCode = (code: string, message = "failed") => Object.assign(new Error(message), { code });

describe("which failures are an outage", () => {
  it.each([
    ["PostgreSQL refusing connections", withCode("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432")],
    ["a connection lost mid-query", new Error("Connection terminated unexpectedly")],
    ["no connection within the timeout", new Error("timeout exceeded when trying to connect")],
    ["the server shutting down", withCode("57P01", "terminating connection due to administrator command")],
    ["the server starting up", withCode("57P03", "the database system is starting up")],
    ["PostgreSQL's disk full", withCode("53100", "could not extend file")],
    ["a standby after a failover", withCode("25006", "cannot execute INSERT in a read-only transaction")],
    ["SQLite's disk full", withCode("SQLITE_FULL", "database or disk is full")],
    ["SQLite's disk failing", withCode("SQLITE_IOERR_WRITE", "disk I/O error")],
    ["SQLite locked past its timeout", withCode("SQLITE_BUSY", "database is locked")],
    ["every address refused", new AggregateError([withCode("ECONNREFUSED")], "")],
    ["a migration failing for one", new Error("migrations failed: x", { cause: withCode("ECONNREFUSED") })],
  ])("%s is", (_what, error) => {
    expect(isOutageError(error)).toBe(true);
  });

  it.each([
    ["a missing table", withCode("42P01", 'relation "usage_records" does not exist')],
    ["a refused password", withCode("28P01", "password authentication failed")],
    ["a constraint", withCode("SQLITE_CONSTRAINT_PRIMARYKEY", "UNIQUE constraint failed")],
    ["a plain bug", new TypeError("cannot read properties of undefined")],
  ])("%s is not", (_what, error) => {
    expect(isOutageError(error)).toBe(false);
  });
});

describe("the store supervisor", () => {
  it("refuses at once while the store is out, probes it, and lets it be used again when the probe succeeds", async () => {
    let answers = false;
    const backs: number[] = [];
    const supervisor = new StoreSupervisor({ kind: "postgres", logger: silentLogger, probeIntervalMs: 10, probe: async () => { if (!answers) throw withCode("ECONNREFUSED"); } });
    supervisor.onBack(() => backs.push(Date.now()));
    supervisor.admit();
    expect(supervisor.failed(new TypeError("a bug"))).toBeInstanceOf(TypeError);
    expect(supervisor.outageSince()).toBeUndefined();
    expect(isStoreUnavailable(supervisor.failed(withCode("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.5:5432")))).toBe(true);
    expect(supervisor.outageSince()).toBeTypeOf("number");
    expect(supervisor.outageReason()).toBe("connect ECONNREFUSED 10.0.0.5:5432");
    expect(() => supervisor.admit()).toThrow(/unavailable/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backs).toEqual([]);
    answers = true;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backs).toHaveLength(1);
    expect(supervisor.outageSince()).toBeUndefined();
    supervisor.admit();
    supervisor.stop();
  });
});
