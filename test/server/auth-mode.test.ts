/**
 * Finding 1 of issue 13: "open" is decided once, at start, and never entered at run time. A service
 * that started with keys (on loopback or not) answers 401 to everything when its keys are revoked
 * or lost, says so on /readyz and in the log; `holdfast doctor` explains it.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, inject, it } from "vitest";
import { Authenticator } from "../../src/server/auth/authenticator.js";
import { mintApiKey } from "../../src/server/auth/api-keys.js";
import { DEFAULT_SERVE_CONFIG } from "../../src/server/config.js";
import { keyStoreFor, startServer, type RunningServer } from "../../src/server/serve.js";
import type { Store } from "../../src/store/types.js";
import type { RedisStore } from "../../src/store/redis/redis-store.js";
import { describeStores, makeStore, type StoreContext } from "../support/stores.js";
import { cliOnRedis, holdfastInProcess } from "../support/cli.js";
import { tempKeysFile } from "./support.js";

async function serveWith(store: Store, host: string, keysFile: string): Promise<RunningServer> {
  return startServer(
    { ...DEFAULT_SERVE_CONFIG, host, port: 0, keysFile, logLevel: "silent", keyCacheMs: 0 },
    { store },
  );
}

const call = async (server: RunningServer, path: string, headers: Record<string, string> = {}) => {
  const r = await fetch(server.url.replace("0.0.0.0", "127.0.0.1") + path, { headers });
  return { status: r.status, body: (await r.json()) as any };
};

/** /readyz until it answers `status` (at most 3 s): a probe is reused for 1 s and waited on 200 ms at most. */
async function readyzUntil(server: RunningServer, status: number) {
  const deadline = Date.now() + 3000;
  for (;;) {
    const r = await call(server, "/readyz");
    if (r.status === status || Date.now() > deadline) return r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Forgets every key: the keys file deleted, or the store's hash of keys gone (a Redis restarted empty). */
async function loseAllKeys(store: Store, keysFile: string): Promise<void> {
  if (store.kind === "memory") rmSync(keysFile, { force: true });
  else await (store as RedisStore).client.del(store.keys.key("apikeys", "all"));
}

/** A store of its own per test (the keys of one test must not be another's). */
function freshStores(ctx: StoreContext) {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return async () => {
    const s = await makeStore(ctx.target);
    opened.push(s);
    return s;
  };
}

describeStores(
  "auth mode is decided at start",
  (ctx) => {
    const fresh = freshStores(ctx);
    for (const host of ["0.0.0.0", "127.0.0.1"]) {
      it(`a service started with keys on ${host} answers 401 once they are revoked or lost, and /readyz says why`, async () => {
        const store = await fresh();
        const keysFile = tempKeysFile();
        const keys = keyStoreFor(store, keysFile);
        const admin = mintApiKey({ name: "a", role: "admin", tenants: ["acme"] });
        await keys.put(admin.record);
        const server = await serveWith(store, host, keysFile);
        try {
          const bearer = { authorization: `Bearer ${admin.key}` };
          expect((await call(server, "/v1/locks", bearer)).status).toBe(200);
          expect((await call(server, "/readyz")).status).toBe(200);

          await keys.put({ ...admin.record, revokedAt: Date.now() });
          // The reproduction: no key, a tenant header, owner tokens asked for.
          const leak = await call(server, "/v1/locks?includeTokens=true", { "x-holdfast-tenant": "acme" });
          expect(leak.status).toBe(401);
          expect(server.authMode).toBe("keys");
          expect((await call(server, "/v1/locks", bearer)).status).toBe(401);
          // /readyz waits at most 200 ms for a fresh key count: on a loaded machine, ask again.
          const ready = await readyzUntil(server, 503);
          expect(ready.status).toBe(503);
          expect(ready.body.auth).toMatchObject({ mode: "keys", activeKeys: 0 });
          expect(ready.body.problems.join(" ")).toMatch(/no active API key/);

          await loseAllKeys(store, keysFile);
          expect((await call(server, "/v1/locks", { "x-holdfast-tenant": "acme" })).status).toBe(401);
          expect((await call(server, "/metrics")).status).toBe(401);

          // A new key works again; the service never was open in between.
          const next = mintApiKey({ name: "b", role: "client", tenants: ["acme"] });
          await keyStoreFor(store, keysFile).put(next.record);
          expect((await call(server, "/v1/locks/x", { authorization: `Bearer ${next.key}` })).status).toBe(
            404,
          );
          expect((await readyzUntil(server, 200)).status).toBe(200);
        } finally {
          await server.stop();
        }
      });
    }

    it("a loopback service started open requires keys for good once one exists: revoking it never reopens it", async () => {
      const store = await fresh();
      const keysFile = tempKeysFile();
      const server = await serveWith(store, "127.0.0.1", keysFile);
      try {
        expect((await call(server, "/v1/locks/x", { "x-holdfast-tenant": "acme" })).status).toBe(404);
        const k = mintApiKey({ name: "a", role: "client", tenants: ["acme"] });
        await keyStoreFor(store, keysFile).put(k.record);
        expect((await call(server, "/v1/locks/x")).status).toBe(401);
        await keyStoreFor(store, keysFile).put({ ...k.record, revokedAt: Date.now() });
        expect((await call(server, "/v1/locks/x", { "x-holdfast-tenant": "acme" })).status).toBe(401);
        expect(server.authMode).toBe("open"); // as decided at start; it narrowed to keys since
        await loseAllKeys(store, keysFile);
        expect((await call(server, "/v1/locks/x", { "x-holdfast-tenant": "acme" })).status).toBe(401);
      } finally {
        await server.stop();
      }
    });

    it("logs when a keys service loses its last key, and when keys are back", async () => {
      const store = await fresh();
      const keys = keyStoreFor(store, tempKeysFile());
      const k = mintApiKey({ name: "a", role: "client", tenants: ["acme"] });
      await keys.put(k.record);
      const lines: { level: string; msg: string }[] = [];
      const logger = {
        debug() {},
        info: (_o: object, msg?: string) => lines.push({ level: "info", msg: msg ?? "" }),
        warn: (_o: object, msg?: string) => lines.push({ level: "warn", msg: msg ?? "" }),
        error: (_o: object, msg?: string) => lines.push({ level: "error", msg: msg ?? "" }),
      };
      const auth = new Authenticator(keys, { mode: "keys", cacheMs: 0, logger });
      expect(await auth.keyStatus()).toEqual({ mode: "keys", activeKeys: 1, refusedKeys: 0 });
      await keys.revoke(k.record.id);
      await expect(auth.authenticate({ authorization: `Bearer ${k.key}` }, "client")).rejects.toMatchObject({
        status: 401,
      });
      await auth.keyStatus();
      expect(lines.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([
        expect.stringMatching(/NO ACTIVE API KEY: every request is refused with 401/),
      ]);
      await keys.put(mintApiKey({ name: "b", role: "client", tenants: ["acme"] }).record);
      await auth.keyStatus();
      expect(lines.at(-1)?.msg).toMatch(/API keys are back/);
      expect(auth.mode).toBe("keys");
    });
  },
  { targets: ["memory", "redis"] },
);

describe("holdfast doctor explains a service without keys", () => {
  it("on the memory store (keys file): revoked keys mean 401 for a running service", async () => {
    const keysFile = tempKeysFile();
    const env = { HOLDFAST_KEYS_FILE: keysFile, HOLDFAST_LOG_LEVEL: "silent", REDIS_URL: "" };
    const created = await holdfastInProcess(["keys", "create", "--tenant", "acme", "--json"], env);
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    expect((await holdfastInProcess(["keys", "revoke", id], env)).code).toBe(0);
    const r = await holdfastInProcess(["doctor", "--json"], { ...env, HOST: "0.0.0.0" });
    const auth = (
      JSON.parse(r.stdout) as { findings: { check: string; level: string; message: string }[] }
    ).findings.find((f) => f.check === "auth");
    expect(auth).toMatchObject({ level: "error" });
    expect(auth!.message).toMatch(/no active API key.*refuses to start on 0\.0\.0\.0.*answers 401/);
  });

  describe.runIf(inject("redisPort") !== null)("on Redis", () => {
    const ctx = cliOnRedis();
    it("reports active keys, refused records and what a service does without keys", async () => {
      const k = mintApiKey({ name: "a", role: "client", tenants: ["acme"] });
      const keys = keyStoreFor(ctx.store, "unused");
      await keys.put(k.record);
      const ok = await holdfastInProcess(["doctor", "--json"], ctx.env);
      expect(JSON.parse(ok.stdout).findings).toContainEqual(
        expect.objectContaining({
          check: "auth",
          level: "ok",
          message: expect.stringMatching(/1 active API key/),
        }),
      );
      await keys.revoke(k.record.id);
      const none = await holdfastInProcess(["doctor"], ctx.env);
      expect(none.stdout).toMatch(/no active API key.*runs OPEN.*answers 401 to every request/);
      expect(none.stdout).toMatch(/create the new key, move every client to it, then revoke the old one/);
    });
  });
});
