/**
 * The body depth limit (the app-wide preValidation hook of app.ts) holds on every route whatever
 * registered it: routes added to the app after buildApp (as the example apps add theirs), routes
 * with a schema or hooks of their own (the limit answers first), and an unknown route (a 400, not
 * a 404). Kept as a guard for any change to where the check runs: a hook phase costs a request
 * about 30 ns more than the same check as the first line of each handler (session 8), too little
 * to trade this simplicity for.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/server/app.js";
import { StoreKeyStore } from "../../src/server/auth/key-store.js";
import { createStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";
import { MAX_JSON_DEPTH } from "../../src/util/json-depth.js";

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const tooDeep = `{"a":${deep(MAX_JSON_DEPTH)}}`;
const atLimit = `{"a":${deep(MAX_JSON_DEPTH - 1)}}`;

describe("body depth limit on every route", () => {
  let store: Store;
  let app: FastifyInstance;
  const ran: string[] = [];
  beforeAll(async () => {
    store = await createStore({ type: "memory", env: {} });
    ({ app } = await buildApp({
      store,
      keyStore: new StoreKeyStore(store),
      logLevel: "silent",
      authMode: "open",
    }));
    app.post("/added-later", { config: { scope: "public" } }, async () => {
      ran.push("added-later");
      return { ok: true };
    });
    app.post(
      "/with-schema",
      {
        config: { scope: "public" },
        schema: { body: { type: "object", required: ["b"] } },
        preHandler: (_request, _reply, done) => {
          ran.push("with-schema preHandler");
          done();
        },
      },
      async () => ({ ok: true }),
    );
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const send = (method: "POST", url: string, payload: string) =>
    app.inject({
      method,
      url,
      payload,
      headers: { "content-type": "application/json" },
    });
  const expectTooDeep = (r: Awaited<ReturnType<typeof send>>) => {
    expect(r.statusCode, r.body).toBe(400);
    const body = r.json<{ error: { code: string; field: string; message: string } }>();
    expect(body.error).toMatchObject({ code: "HOLDFAST_INVALID_ARGUMENT", field: "body" });
    expect(body.error.message).toMatch(new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
  };

  it("refuses an over-deep body on a route added after buildApp, before its handler runs", async () => {
    expectTooDeep(await send("POST", "/added-later", tooDeep));
    expect(ran).toEqual([]);
    expect((await send("POST", "/added-later", atLimit)).statusCode).toBe(200);
    expect(ran).toEqual(["added-later"]);
  });

  it("refuses it before a route's own schema and hooks", async () => {
    ran.length = 0;
    expectTooDeep(await send("POST", "/with-schema", tooDeep));
    expect(ran).toEqual([]);
    // At the limit, the route's schema answers (its `b` is missing).
    expect((await send("POST", "/with-schema", atLimit)).statusCode).toBe(400);
  });

  it("refuses it on an unknown route (a 400, not a 404)", async () => {
    expectTooDeep(await send("POST", "/no/such/route", tooDeep));
    expect((await send("POST", "/no/such/route", atLimit)).statusCode).toBe(404);
  });
});
