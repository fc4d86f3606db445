import { describe, expect, it } from "vitest";
import { toStoreError } from "../../src/store/redis/redis-errors.js";
import { ScriptError, StoreTimeoutError, StoreUnavailableError } from "../../src/errors/store-errors.js";

describe("toStoreError: answers that mean the store cannot serve now", () => {
  // The exact texts ioredis 5 produced in test/topology/cluster.failover.test.ts during a failover.
  it("is StoreUnavailableError when the last answer was a redirection: the command did not run", () => {
    for (const last of [
      "ReplyError: MOVED 1974 127.0.0.1:25101",
      "ReplyError: CLUSTERDOWN The cluster is down",
    ]) {
      const e = toStoreError(new Error(`Too many Cluster redirections. Last error: ${last}`), "hold-2", 1000);
      expect(e).toBeInstanceOf(StoreUnavailableError);
      expect(e.message).toContain(last.replace("ReplyError: ", ""));
    }
  });

  it("is StoreTimeoutError when the last answer was a timeout: the command may have run", () => {
    const e = toStoreError(
      new Error("Too many Cluster redirections. Last error: Error: Command timed out"),
      "count-1",
      1000,
    );
    expect(e).toBeInstanceOf(StoreTimeoutError);
  });

  it("is StoreUnavailableError when the master refuses writes for lack of replicas (min-replicas-to-write)", () => {
    const e = toStoreError(new Error("NOREPLICAS Not enough good replicas to write."), "hold-2", 1000);
    expect(e).toBeInstanceOf(StoreUnavailableError);
  });

  it("still reports an error of the script itself as ScriptError", () => {
    expect(toStoreError(new Error("ERR user_script:1: boom"), "x-1", 1000)).toBeInstanceOf(ScriptError);
  });
});
