/**
 * The same three tiny apps built with each adapter (Express 5, Express 4, Fastify), listening on a
 * free port, so one suite can run against every framework over real HTTP:
 * - `GET /r`: rate limited with the given options; answers `{ ok: true }`;
 * - `GET /c`: concurrency limited; its handler is the test's, it answers `{ ok: true }` after it;
 * - `POST /l/:id`: a handler under a lock; answers the handler's result as JSON.
 */
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import express5 from "express";
import express4 from "express4";
import Fastify, { type FastifyInstance } from "fastify";
import * as forExpress from "../../src/express/index.js";
import * as forFastify from "../../src/fastify/index.js";
import type { RequestLock } from "../../src/middleware/lock.js";
import type { Slot } from "../../src/middleware/concurrency.js";
import type { Refusal } from "../../src/middleware/http.js";

/** What the tests' callbacks see of a request, whatever the framework. */
export interface AnyRequest {
  headers: IncomingHttpHeaders;
  params?: unknown;
}

/** Options in the framework-neutral form the tests write (each adapter adds its own `handler`). */
export type Options = Record<string, unknown> & {
  keyGenerator?: (req: AnyRequest) => string;
  skip?: (req: AnyRequest) => boolean;
  key?: (req: AnyRequest) => string;
};

export interface Served {
  url: string;
  close(): Promise<void>;
}

export interface Adapter {
  name: string;
  rateLimited(options: Options, onRefuse?: (r: Refusal) => unknown): Promise<Served>;
  concurrency(options: Options, handler: (slot: Slot | undefined) => Promise<void>): Promise<Served>;
  locked(options: Options, handler: (lock: RequestLock, id: string) => Promise<unknown>): Promise<Served>;
}

function expressAdapter(name: string, express: typeof express5): Adapter {
  const serve = async (build: (app: ReturnType<typeof express5>) => void): Promise<Served> => {
    const app = express();
    app.use(express.json());
    build(app);
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  };
  return {
    name,
    rateLimited: (options, onRefuse) =>
      serve((app) => {
        const handler: forExpress.RefusalHandler | undefined = onRefuse
          ? (_req, res, _next, refusal) => void res.status(418).set(refusal.headers).json(onRefuse(refusal))
          : undefined;
        app.use(forExpress.rateLimit({ ...options, ...(handler ? { handler } : {}) }));
        app.get(
          "/r",
          (req, res) => void res.json({ ok: true, remaining: forExpress.rateLimitOf(req)?.remaining }),
        );
      }),
    concurrency: (options, handler) =>
      serve((app) => {
        app.get("/c", forExpress.concurrencyLimit(options), async (req, res) => {
          await handler(forExpress.concurrencySlotOf(req));
          if (!res.headersSent && !res.destroyed) res.json({ ok: true });
        });
      }),
    locked: (options, handler) =>
      serve((app) => {
        app.post(
          "/l/:id",
          forExpress.withLock(options as forExpress.ExpressLockOptions, async (req, res, lock) => {
            const result = await handler(lock, String(req.params.id));
            if (result !== undefined && !res.headersSent) res.json(result);
          }),
        );
      }),
  };
}

const fastifyAdapter: Adapter = {
  name: "fastify",
  async rateLimited(options, onRefuse) {
    return serveFastify(async (app) => {
      await app.register(forFastify.holdfastRateLimit, {
        ...options,
        ...(onRefuse ? { errorResponseBuilder: (_req: unknown, refusal: Refusal) => onRefuse(refusal) } : {}),
      });
      app.get("/r", async (req) => ({ ok: true, remaining: forFastify.rateLimitOf(req)?.remaining }));
    });
  },
  async concurrency(options, handler) {
    return serveFastify(async (app) => {
      app.get("/c", { onRequest: forFastify.concurrencyLimitHook(options) }, async (req, reply) => {
        await handler(forFastify.concurrencySlotOf(req));
        if (reply.raw.destroyed) return reply.hijack();
        return { ok: true };
      });
    });
  },
  async locked(options, handler) {
    return serveFastify(async (app) => {
      app.post(
        "/l/:id",
        forFastify.withLock(options as forFastify.FastifyLockOptions, (req, _reply, lock) =>
          handler(lock, (req.params as { id: string }).id),
        ),
      );
    });
  },
};

async function serveFastify(build: (app: FastifyInstance) => Promise<void>): Promise<Served> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await build(app);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
}

export const ADAPTERS: Adapter[] = [
  expressAdapter("express 5", express5),
  expressAdapter("express 4", express4 as unknown as typeof express5),
  fastifyAdapter,
];

/** A promise the test opens by hand. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 10 ms until it is true, or fails after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A request over real HTTP; the JSON body (or undefined). */
export async function call(
  url: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const { json, ...rest } = init;
  const res = await fetch(url, {
    ...rest,
    ...(json !== undefined
      ? { body: JSON.stringify(json), headers: { "content-type": "application/json", ...rest.headers } }
      : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
