/**
 * The `holdfast` command against a private Redis, run inside the test process (see
 * holdfastInProcess); `doctor` also runs as a real process, for the binary's own exit status and
 * that it exits once done (its store closed).
 */
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createLocks } from "../../src/lock/index.js";
import { cliOnRedis, holdfast, holdfastInProcess } from "../support/cli.js";

const port = inject("redisPort");

// The doctor test starts a process (seconds on a loaded machine): a generous timeout.
describe.runIf(port !== null)("holdfast CLI", { timeout: 120_000 }, () => {
  const ctx = cliOnRedis();
  const { env } = ctx;

  it("lists, shows and force-releases locks, with --json and trustworthy exit codes", async () => {
    const locks = createLocks(ctx.store);
    const lease = await locks.acquire("booking:{t1|r1}:14:00", { ttlMs: 600_000, metadata: { user: "u1" } });
    const ls = await holdfastInProcess(["locks", "ls", "--json"], env);
    expect(ls.code).toBe(0);
    const list = JSON.parse(ls.stdout) as { key: string; fence: number; metadata: unknown }[];
    expect(list).toEqual([
      expect.objectContaining({ key: lease.key, fence: lease.fence, metadata: { user: "u1" } }),
    ]);
    const human = await holdfastInProcess(["locks", "ls"], env);
    expect(human.stdout).toMatch(/booking:\{t1\|r1\}:14:00/);
    const refused = await holdfastInProcess(["locks", "release", lease.key], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--force/);
    const released = await holdfastInProcess(["locks", "release", lease.key, "--force", "--json"], env);
    expect(JSON.parse(released.stdout)).toEqual({ key: lease.key, released: true });
    const show = await holdfastInProcess(["locks", "show", lease.key, "--json"], env);
    expect(show.code).toBe(1);
    expect(JSON.parse(show.stdout)).toBeNull();
  });

  it("creates, lists and revokes API keys stored hashed in Redis", async () => {
    const created = await holdfastInProcess(
      ["keys", "create", "--name", "ops", "--role", "admin", "--tenant", "acme", "--json"],
      env,
    );
    expect(created.code).toBe(0);
    const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
    expect(key).toMatch(/^hf_[0-9a-f]{12}_/);
    const ls = JSON.parse((await holdfastInProcess(["keys", "ls", "--json"], env)).stdout) as {
      id: string;
      revoked: boolean;
    }[];
    expect(ls).toEqual([expect.objectContaining({ id, revoked: false })]);
    expect((await holdfastInProcess(["keys", "revoke", id, "--json"], env)).code).toBe(0);
    const after = JSON.parse((await holdfastInProcess(["keys", "ls", "--json"], env)).stdout) as {
      id: string;
      revoked: boolean;
    }[];
    expect(after[0].revoked).toBe(true);
    expect((await holdfastInProcess(["keys", "revoke", "000000000000"], env)).code).toBe(1);
  });

  it("doctor reports findings as JSON and exits 1 on warnings, 2 when Redis is unreachable", async () => {
    const ok = await holdfast(["doctor", "--json"], env);
    const report = JSON.parse(ok.stdout) as {
      findings: { check: string; level: string }[];
      exitCode: number;
    };
    expect(report.findings.map((f) => f.check)).toEqual(
      expect.arrayContaining(["connection", "eviction", "persistence", "version"]),
    );
    expect(ok.code).toBe(report.exitCode);
    const down = await holdfastInProcess(["doctor", "--json"], { ...env, REDIS_URL: "redis://127.0.0.1:1" });
    expect(down.code).toBe(2);
    expect(JSON.parse(down.stdout).findings[0]).toMatchObject({ check: "connection", level: "error" });
  });

  it("explains that inspecting the memory store from another process is meaningless", async () => {
    const r = await holdfastInProcess(["locks", "ls"], {
      HOLDFAST_LOG_LEVEL: "silent",
      REDIS_URL: "",
      HOLDFAST_PREFIX: env.HOLDFAST_PREFIX,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Set REDIS_URL/);
  });
});
