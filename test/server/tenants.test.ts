/**
 * Finding 2 of issue 13: one tenant-name rule wherever a tenant enters (CLI, keys file, keys in
 * Redis, header, WebSocket tokens); records that break it are refused at load.
 */
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { hashSecret, mintApiKey, parseKeyRecord } from "../../src/server/auth/api-keys.js";
import { DEFAULT_SERVE_CONFIG } from "../../src/server/config.js";
import { keyStoreFor, startServer, type RunningServer } from "../../src/server/serve.js";
import { WsTokens } from "../../src/server/ws/tokens.js";
import { isTenantName } from "../../src/server/tenants.js";
import type { Store } from "../../src/store/types.js";
import type { RedisStore } from "../../src/store/redis/redis-store.js";
import type { MemoryStore } from "../../src/store/memory/memory-store.js";
import { describeStores, makeStore } from "../support/stores.js";
import { holdfastInProcess } from "../support/cli.js";
import { tempKeysFile } from "./support.js";

const BAD_TENANTS = ["acme:lock", "*A", "../x", "a\u0001b", "", "a b", "x".repeat(65), "é"];

/** A key record as an older version wrote it: any tenant string, straight into the file or Redis. */
async function writeRawKey(store: Store, keysFile: string, tenant: string) {
  const secret = "s".repeat(43);
  const id = "abcdefabcdef";
  const raw = { id, name: "old", hash: hashSecret(secret), role: "admin", tenants: [tenant], createdAt: 1 };
  if (store.kind === "memory") writeFileSync(keysFile, JSON.stringify({ keys: [raw] }));
  else await (store as RedisStore).client.hset(store.keys.key("apikeys", "all"), id, JSON.stringify(raw));
  return `hf_${id}_${secret}`;
}

describe("the tenant rule", () => {
  it("refuses a bad tenant in a key record, naming the key and the rule", () => {
    const good = mintApiKey({ name: "a", role: "client", tenants: ["acme"] }).record;
    for (const t of BAD_TENANTS) {
      expect(() => parseKeyRecord({ ...good, tenants: [t] }, "keys.json"), JSON.stringify(t)).toThrow(
        /tenant|every tenant/,
      );
      expect(() => mintApiKey({ name: "a", role: "client", tenants: [t] })).toThrow();
    }
    // `*` is the marker "every tenant" in a key's list, never a tenant name.
    expect(parseKeyRecord({ ...good, tenants: ["*"] }, "keys.json").tenants).toEqual(["*"]);
    expect(isTenantName("*")).toBe(false);
    expect(() => parseKeyRecord({ ...good, tenants: ["*", "acme"] }, "x")).toThrow(/only entry/);
  });

  it("`holdfast keys create` refuses a bad tenant (exit 2) and writes nothing", async () => {
    const keysFile = tempKeysFile();
    const env = { HOLDFAST_KEYS_FILE: keysFile, HOLDFAST_LOG_LEVEL: "silent", REDIS_URL: "" };
    for (const t of ["acme:lock", "*A", "../x"]) {
      const r = await holdfastInProcess(["keys", "create", "--tenant", t, "--json"], env);
      expect(r.code, t).toBe(2);
      expect(r.stderr).toMatch(/is not a tenant name: use 1 to 64 letters, digits/);
    }
    const ls = await holdfastInProcess(["keys", "ls", "--json"], env);
    expect(JSON.parse(ls.stdout)).toEqual([]);
  });
});

describeStores(
  "keys that break the tenant rule are refused",
  (ctx) => {
    const opened: (Store | RunningServer)[] = [];
    afterEach(async () => {
      for (const x of opened.splice(0).reverse()) await ("stop" in x ? x.stop() : x.close());
    });

    it("a key of tenant `acme:lock` cannot force-release acme's lock `x` (it is refused at load)", async () => {
      const store = await makeStore(ctx.target);
      opened.push(store);
      const keysFile = tempKeysFile();
      const attacker = await writeRawKey(store, keysFile, "acme:lock");
      const acme = mintApiKey({ name: "acme", role: "client", tenants: ["acme"] });
      await keyStoreFor(store, keysFile).put(acme.record);
      const server = await startServer(
        { ...DEFAULT_SERVE_CONFIG, port: 0, keysFile, logLevel: "silent", keyCacheMs: 0 },
        { store },
      );
      opened.push(server);
      const req = (key: string, method: string, path: string, body?: unknown) =>
        fetch(server.url + path, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body ? { "content-type": "application/json" } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        });
      const held = await req(acme.key, "POST", "/v1/locks/x/acquire", { ttlMs: 60_000 });
      expect(held.status).toBe(200);
      const attack = await req(attacker, "DELETE", "/v1/locks/x");
      expect(attack.status).toBe(401);
      expect((await req(acme.key, "GET", "/v1/locks/x")).status).toBe(200);
      const entries = await keyStoreFor(store, keysFile).entries();
      expect(entries.find((e) => e.id === "abcdefabcdef")?.refused).toMatch(
        /acme:lock.*is not a tenant name/,
      );
    });

    it("a WebSocket token whose record names a bad tenant opens nothing", async () => {
      const store = await makeStore(ctx.target);
      opened.push(store);
      const keysFile = tempKeysFile();
      const acme = mintApiKey({ name: "acme", role: "client", tenants: ["acme"] });
      await keyStoreFor(store, keysFile).put(acme.record);
      const server = await startServer(
        { ...DEFAULT_SERVE_CONFIG, port: 0, keysFile, logLevel: "silent", keyCacheMs: 0 },
        { store },
      );
      opened.push(server);
      // Mint a real token, then rewrite its record as a tampered store would hold it.
      const tokens = new WsTokens(store);
      const { token } = await tokens.mint({
        keyId: acme.record.id,
        role: "client",
        tenants: ["acme"],
        tenant: "acme",
      });
      const { createHash } = await import("node:crypto");
      const key = store.keys.key("wstoken", createHash("sha256").update(token).digest("hex"));
      const bad = JSON.stringify({
        tenant: "acme:lock",
        role: "client",
        keyId: acme.record.id,
        publish: true,
      });
      if (store.kind === "memory") (store as MemoryStore).db.set(key, bad, { px: 60_000 });
      else await (store as RedisStore).client.set(key, bad, "PX", 60_000);
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${server.url.replace("http", "ws")}/v1/ws?token=${token}`);
        ws.once("open", () => {
          ws.close();
          resolve(101);
        });
        ws.once("unexpected-response", (_r, res) => resolve(res.statusCode ?? 0));
        ws.once("error", () => undefined);
      });
      expect(status).toBe(401);
    });
  },
  { targets: ["memory", "redis"] },
);
