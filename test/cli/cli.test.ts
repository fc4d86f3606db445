/** The real `holdfast` command, run as a process against a private Redis. */
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { createLocks } from "../../src/lock/index.js";
import { cliOnRedis, holdfast } from "../support/cli.js";

const port = inject("redisPort");

// Each test runs the real CLI several times: generous timeouts for a loaded machine.
describe.runIf(port !== null)("holdfast CLI", { timeout: 120_000 }, () => {
  const ctx = cliOnRedis();
  const { env } = ctx;

  it("lists, shows and force-releases locks, with --json and trustworthy exit codes", async () => {
    const locks = createLocks(ctx.store);
    const lease = await locks.acquire("booking:{t1|r1}:14:00", { ttlMs: 600_000, metadata: { user: "u1" } });
    const ls = await holdfast(["locks", "ls", "--json"], env);
    expect(ls.code).toBe(0);
    const list = JSON.parse(ls.stdout) as { key: string; fence: number; metadata: unknown }[];
    expect(list).toEqual([
      expect.objectContaining({ key: lease.key, fence: lease.fence, metadata: { user: "u1" } }),
    ]);
    const human = await holdfast(["locks", "ls"], env);
    expect(human.stdout).toMatch(/booking:\{t1\|r1\}:14:00/);
    const refused = await holdfast(["locks", "release", lease.key], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--force/);
    const released = await holdfast(["locks", "release", lease.key, "--force", "--json"], env);
    expect(JSON.parse(released.stdout)).toEqual({ key: lease.key, released: true });
    const show = await holdfast(["locks", "show", lease.key, "--json"], env);
    expect(show.code).toBe(1);
    expect(JSON.parse(show.stdout)).toBeNull();
  });

  it("creates, lists and revokes API keys stored hashed in Redis", async () => {
    const created = await holdfast(
      ["keys", "create", "--name", "ops", "--role", "admin", "--tenant", "acme", "--json"],
      env,
    );
    expect(created.code).toBe(0);
    const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
    expect(key).toMatch(/^hf_[0-9a-f]{12}_/);
    const ls = JSON.parse((await holdfast(["keys", "ls", "--json"], env)).stdout) as {
      id: string;
      revoked: boolean;
    }[];
    expect(ls).toEqual([expect.objectContaining({ id, revoked: false })]);
    expect((await holdfast(["keys", "revoke", id, "--json"], env)).code).toBe(0);
    const after = JSON.parse((await holdfast(["keys", "ls", "--json"], env)).stdout) as {
      id: string;
      revoked: boolean;
    }[];
    expect(after[0].revoked).toBe(true);
    expect((await holdfast(["keys", "revoke", "000000000000"], env)).code).toBe(1);
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
    const down = await holdfast(["doctor", "--json"], { ...env, REDIS_URL: "redis://127.0.0.1:1" });
    expect(down.code).toBe(2);
    expect(JSON.parse(down.stdout).findings[0]).toMatchObject({ check: "connection", level: "error" });
  });

  it("explains that inspecting the memory store from another process is meaningless", async () => {
    const r = await holdfast(["locks", "ls"], {
      HOLDFAST_LOG_LEVEL: "silent",
      REDIS_URL: "",
      HOLDFAST_PREFIX: env.HOLDFAST_PREFIX,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Set REDIS_URL/);
  });
});
