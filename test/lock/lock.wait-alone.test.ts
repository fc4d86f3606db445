import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);

// A waiting acquire used to sleep on unref'd timers: with nothing else pending (the memory store
// holds no socket), Node ended the process mid-wait (exit code 13, "unsettled top-level await").
it("keeps a process alive while an acquire waits for the lock, as any awaited sleep does", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "test/fixtures/wait-alone.ts"], {
    env: { ...process.env, HOLDFAST_LOG_LEVEL: "silent" },
    timeout: 20_000,
  });
  expect(stdout.trim()).toBe("acquired with a fence");
});
