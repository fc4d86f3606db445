/**
 * /openapi.json is a document a generator can use: it passes a real validator, every operation has
 * a unique operationId and every response (success and error) a schema, shared shapes live in
 * components, and openapi-typescript + openapi-fetch turn it into a client that types a lock's
 * `fence` as a number (typechecked here, then run against a real server). The replies themselves
 * are checked against the same schemas in every HTTP test (`checkReplies`), and the check is tested
 * here too.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileErrors, validate } from "@readme/openapi-parser";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { defineRoute } from "../../src/server/route.js";
import { serveWithKeys, testApp } from "./support.js";

type Json = Record<string, any>;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = join(ROOT, ".tmp", `openapi-client-${process.pid}`);
const METHODS = ["get", "put", "post", "patch", "delete"];

let store: Store;
let t: Awaited<ReturnType<typeof testApp>>;
let doc: Json;

beforeAll(async () => {
  store = await createStore({ type: "memory", env: {}, prefix: "oa:" });
  t = await testApp(store);
  doc = (await t.app.inject("/openapi.json")).json();
  mkdirSync(dir, { recursive: true });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.app.close();
  await store?.close();
});

const operations = () =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ path, method, op: op as Json })),
  );
/** A response object, with a `$ref` into components.responses resolved. */
const resolve = (r: Json): Json =>
  typeof r.$ref === "string" ? doc.components.responses[r.$ref.split("/").pop()!] : r;

describe("the OpenAPI document", () => {
  it("passes @readme/openapi-parser's validation (OpenAPI 3.1 schema and its own rules)", async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([expect.objectContaining({ url: "/" })]);
  });

  it("gives every operation a unique, readable operationId", () => {
    const ids = operations().map((o) => o.op.operationId as string);
    expect(ids.length).toBe(t.context.registry.routes.length);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(?:[A-Z][a-z]*)+$/);
    expect(doc.paths["/v1/locks/{key}/acquire"].post.operationId).toBe("acquireLock");
  });

  it("documents every response with a schema and x-request-id, errors with the shared Error shape", () => {
    let responses = 0;
    for (const { path, method, op } of operations()) {
      for (const [status, raw] of Object.entries(op.responses as Json)) {
        const r = resolve(raw as Json);
        const what = `${method.toUpperCase()} ${path} ${status}`;
        const content = Object.values((r.content ?? {}) as Json) as Json[];
        expect(content.length, what).toBe(1);
        expect(content[0].schema, what).toBeTypeOf("object");
        expect(r.headers?.["x-request-id"], what).toEqual({ $ref: "#/components/headers/X-Request-Id" });
        if (
          Number(status) >= 400 &&
          !(path === "/v1/ratelimits/{name}/check" && ["429", "503"].includes(status))
        )
          if (path !== "/readyz")
            expect(content[0].schema, what).toEqual({ $ref: "#/components/schemas/Error" });
        if (status === "503" || status === "429")
          expect(Object.keys(r.headers), what).toContain("Retry-After");
        responses++;
      }
      // Every keyed route documents what a missing or wrong key gets.
      if (op["x-holdfast-scope"] !== "public")
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["401", "403"]));
    }
    expect(responses).toBeGreaterThan(300);
    const check = doc.paths["/v1/ratelimits/{name}/check"].post.responses;
    expect(Object.keys(check["429"].headers)).toEqual([
      "x-request-id",
      "RateLimit",
      "RateLimit-Policy",
      "Retry-After",
    ]);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        "Error",
        "LockLease",
        "RateLimitResult",
        "InventoryHold",
        "Session",
        "MachineEntity",
      ]),
    );
    expect(Object.keys(doc.components.headers)).toEqual([
      "X-Request-Id",
      "Retry-After",
      "RateLimit",
      "RateLimit-Policy",
    ]);
  });
});

/** Diagnostics of a strict TypeScript program made of `files` (written into `dir`). */
function typecheck(files: Record<string, string>): string[] {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const program = ts.createProgram({
    rootNames: Object.keys(files).map((f) => join(dir, f)),
    options: {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
      types: [],
      skipLibCheck: true,
    },
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) => `${d.file?.fileName.split("/").pop()}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    );
}

/** A program that acquires a lock through the generated client and insists `fence` is a number. */
const CLIENT = (schema: string) => `import createClient from "openapi-fetch";
import type { paths } from "./${schema}.js";

type IsNever<T> = [T] extends [never] ? true : false;

export async function acquireFence(baseUrl: string, apiKey: string, key: string): Promise<number> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${apiKey}\` } });
  const { data, error } = await client.POST("/v1/locks/{key}/acquire", {
    params: { path: { key } },
    body: { ttlMs: 10_000 },
  });
  if (error) throw new Error(\`\${error.error.code}: \${error.error.message} (\${error.requestId})\`);
  type Fence = (typeof data)["fence"];
  const notNever: IsNever<Fence> extends false ? true : never = true;
  const exactlyNumber: [Fence] extends [number] ? ([number] extends [Fence] ? true : never) : never = true;
  const fence: number = data.fence;
  return notNever && exactlyNumber ? fence : -1;
}
`;

// Each test runs the TypeScript compiler over generated code: seconds of CPU, more on a busy machine.
describe("a client generated with openapi-typescript + openapi-fetch", { timeout: 60_000 }, () => {
  it("types a lock acquire's fence as a number, and runs against a real server", async () => {
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
    const types = astToString(await openapiTS(doc as never));
    expect(types).toMatch(/LockLease: \{[^}]*fence: number;/);
    expect(typecheck({ "schema.d.ts": types, "client.ts": CLIENT("schema") })).toEqual([]);

    const served = await serveWithKeys(store);
    try {
      const { acquireFence } = (await import(join(dir, "client.ts"))) as {
        acquireFence: (baseUrl: string, apiKey: string, key: string) => Promise<number>;
      };
      const first = await acquireFence(served.server.url, served.acme, "generated-client");
      expect(first).toBeGreaterThan(0);
      await expect(acquireFence(served.server.url, served.acme, "generated-client")).rejects.toThrow(
        /^HOLDFAST_LOCK_CONFLICT: /,
      );
    } finally {
      await served.server.stop();
    }
  });

  it("fails to typecheck when the acquire response has no schema (what the document said before)", async () => {
    const bare = structuredClone(doc);
    delete bare.paths["/v1/locks/{key}/acquire"].post.responses["200"].content;
    const errors = typecheck({
      "bare.d.ts": astToString(await openapiTS(bare as never)),
      "bare-client.ts": CLIENT("bare"),
    });
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe("the reply check of the HTTP tests", () => {
  it("turns a reply its route does not document into a 500 naming the problem", async () => {
    const s = await createStore({ type: "memory", env: {}, prefix: "rc:" });
    const { buildApp } = await import("../../src/server/app.js");
    const { StoreKeyStore } = await import("../../src/server/auth/key-store.js");
    const { app, context } = await buildApp({
      store: s,
      keyStore: new StoreKeyStore(s),
      logLevel: "silent",
      checkReplies: true,
    });
    const answers: Record<string, unknown> = {
      extra: { n: 1, secret: "x" },
      wrong: { n: "one" },
      fine: { n: 1 },
    };
    defineRoute(app, context.registry, {
      method: "GET",
      url: "/test/:what",
      tag: "test",
      operationId: "replyCheckProbe",
      scope: "public",
      summary: "A route whose replies drift from its documentation",
      params: z.object({ what: z.string() }),
      responses: { 200: { description: "n", schema: z.object({ n: z.number() }) } },
      handler: async ({ params, reply }) => {
        if (params.what === "status") void reply.code(202);
        return answers[params.what] ?? { n: 2 };
      },
    });
    try {
      const problem = async (what: string) => {
        const r = await app.inject(`/test/${what}`);
        return r.statusCode === 500 ? (r.json().error as { code: string; message: string }) : r.statusCode;
      };
      expect(await problem("fine")).toBe(200);
      expect(await problem("extra")).toMatchObject({
        code: "HOLDFAST_REPLY_MISMATCH",
        message: expect.stringContaining("body.secret is not in the documented schema"),
      });
      expect((await problem("wrong")) as { message: string }).toMatchObject({
        message: expect.stringContaining("body.n:"),
      });
      expect((await problem("status")) as { message: string }).toMatchObject({
        message: expect.stringContaining("status 202 is not documented"),
      });
    } finally {
      await app.close();
      await s.close();
    }
  });
});
