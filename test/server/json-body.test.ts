import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import Fastify, { type FastifyInstance } from "fastify";
import { installJsonParser } from "../../src/server/app.js";

/** An app that echoes the parsed body, or the parser's error: with Fastify's JSON parser or ours. */
async function echo(ours: boolean): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  if (ours) installJsonParser(app);
  app.post("/echo", async (request) => ({ body: request.body ?? null }));
  app.setErrorHandler((error, _request, reply) => {
    const e = error as { code?: string; statusCode?: number; message: string };
    return reply.code(e.statusCode ?? 500).send({ code: e.code ?? null, message: e.message });
  });
  await app.ready();
  return app;
}

const fragments = fc.constantFrom(
  '"__proto__"',
  '"constructor"',
  '"\\u005f_proto__"',
  '"constr\\u0075ctor"',
  '"prototype"',
  '"\\n"',
  "\ufeff",
  ":",
  ",",
  "{",
  "}",
  "[",
  "]",
  '"a"',
  "1",
  "null",
  " ",
  '{"x":',
);

describe("the JSON body parser (app.ts installJsonParser)", () => {
  let fastify: FastifyInstance;
  let ours: FastifyInstance;
  beforeAll(async () => {
    fastify = await echo(false);
    ours = await echo(true);
  });
  afterAll(async () => {
    await fastify.close();
    await ours.close();
  });

  const answer = async (app: FastifyInstance, payload: string) => {
    const res = await app.inject({
      method: "POST",
      url: "/echo",
      headers: { "content-type": "application/json; charset=utf-8" },
      payload,
    });
    return { status: res.statusCode, body: res.body };
  };

  it("refuses prototype poisoning, plain or escaped, as Fastify's parser does", async () => {
    for (const payload of [
      '{"__proto__":{"admin":true}}',
      '{"a":{"constructor":{"prototype":{"x":1}}}}',
      '{"\\u005f\\u005fproto__":{}}',
    ]) {
      const a = await answer(ours, payload);
      expect(a.status, payload).toBe(400);
      expect(a).toStrictEqual(await answer(fastify, payload));
    }
  });

  it("answers every body as Fastify's own parser does", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(fragments, { maxLength: 12 }).map((a) => a.join("")),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        async (payload) => {
          expect(await answer(ours, payload)).toStrictEqual(await answer(fastify, payload));
        },
      ),
      { numRuns: 400 },
    );
  });
});
