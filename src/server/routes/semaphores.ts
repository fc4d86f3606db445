import { z } from "zod";
import { createSemaphores, type Permit } from "../../semaphore/index.js";
import {
  MAX_HOLDERS_PAGE,
  MAX_PERMIT_METADATA_LENGTH,
  MAX_PERMIT_TOKEN_LENGTH,
  MAX_SEMAPHORE_LIMIT,
} from "../../semaphore/index.js";
import type { ServerContext } from "../context.js";
import { routeGroup } from "../route.js";
import { HttpError } from "../http-errors.js";
import { durationMs, errorResponse, nameParam, pageOrBadRequest, pageQuery, plainText } from "./common.js";
import {
  permitRefreshedReply,
  permitReleasedReply,
  permitReply,
  semaphoreCountReply,
  semaphoreHoldersReply,
} from "../replies/stock.js";

const nameParams = z.object({ name: nameParam });

const token = plainText(MAX_PERMIT_TOKEN_LENGTH);

/** Semaphore metadata is flat: each value a string, a finite number, a boolean or null. */
const flatMetadata = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .refine(
    (m) => JSON.stringify(m).length <= MAX_PERMIT_METADATA_LENGTH,
    `must serialise to at most ${MAX_PERMIT_METADATA_LENGTH} characters`,
  );

const waitMs = z
  .number()
  .int("must be an integer")
  .min(0, "must be at least 0")
  .max(60_000, "must be at most 60000");

const CLIENT_GONE = new Error("client closed the request");

/** The permit as JSON; `expiresIn` is computed against this server's clock, for display only. */
function permitJson(p: Permit, now = Date.now()) {
  return {
    acquired: true,
    name: p.name,
    token: p.token,
    limit: p.limit,
    holders: p.holders,
    ttlMs: p.ttlMs,
    expiresAt: p.expiresAt,
    expiresIn: Math.max(0, p.expiresAt - now),
    ...(p.metadata ? { metadata: p.metadata } : {}),
  };
}

/**
 * `/v1/semaphores/:name/…`: acquire, refresh, release, count and holders. A full semaphore is a
 * 409 `HOLDFAST_SEMAPHORE_FULL` carrying `holders`, `limit` and `retryAfterMs` (plus Retry-After).
 */
export function registerSemaphoreRoutes(ctx: ServerContext): void {
  const route = routeGroup(ctx, "semaphores", (store) => createSemaphores(store));

  route({
    method: "POST",
    url: "/v1/semaphores/:name/acquire",
    operationId: "acquirePermit",
    scope: "client",
    summary: "Take one of `limit` permits (owner token + expiry) in one round trip",
    description:
      "With `waitMs`, retries with backoff until then. Passing your own `owner` token makes a retry safe: " +
      "acquiring again with a token that holds a live permit returns that permit, extended.",
    params: nameParams,
    body: z.object({
      limit: z
        .number()
        .int("must be an integer")
        .min(1, "must be at least 1")
        .max(MAX_SEMAPHORE_LIMIT, `must be at most ${MAX_SEMAPHORE_LIMIT}`)
        .describe("Most permits held at once"),
      ttlMs: durationMs.optional().describe("Permit lifetime in ms unless refreshed (default 30000)"),
      waitMs: waitMs.optional().describe("How long to wait for a free permit, in ms (default 0)"),
      owner: token.optional().describe("Your own owner token (idempotent retries); default a random UUID"),
      metadata: flatMetadata.optional().describe("Flat facts about the holder, shown by holders"),
    }),
    responses: {
      200: { description: "Acquired: the permit, with its `token`", schema: permitReply },
      400: errorResponse("Invalid name or body"),
      409: errorResponse("Full: `holders`, `limit`, `retryAfterMs` (and Retry-After)", ["Retry-After"]),
      499: errorResponse("The client closed the request while waiting (no permit is kept)"),
      503: errorResponse("Store unreachable: nothing was acquired (fail closed)"),
    },
    handler: async ({ params, body, reply }, semaphores) => {
      const aborted = new AbortController();
      // A client that hangs up while we wait must not be handed a permit nobody will release.
      const onClose = () => {
        if (!reply.raw.writableFinished) aborted.abort(CLIENT_GONE);
      };
      if (body.waitMs) reply.raw.once("close", onClose);
      try {
        const permit = await semaphores.acquire(params.name, {
          limit: body.limit,
          ttlMs: body.ttlMs,
          waitMs: body.waitMs,
          owner: body.owner,
          metadata: body.metadata,
          signal: body.waitMs ? aborted.signal : undefined,
        });
        return permitJson(permit);
      } catch (e) {
        if (e === CLIENT_GONE) {
          throw new HttpError(499, "HOLDFAST_CLIENT_CLOSED", "The client closed the request while waiting.");
        }
        throw e;
      } finally {
        reply.raw.off("close", onClose);
      }
    },
  });

  route({
    method: "POST",
    url: "/v1/semaphores/:name/refresh",
    operationId: "refreshPermit",
    scope: "client",
    summary: "Extend a permit you still hold (never re-acquires an expired one)",
    params: nameParams,
    body: z.object({
      token: token.describe("The permit's token, from acquire"),
      ttlMs: durationMs.optional().describe("New lifetime from now, in ms (default 30000)"),
    }),
    responses: {
      200: { description: "Extended: new `expiresAt`", schema: permitRefreshedReply },
      409: errorResponse("Not held any more (expired or released): `HOLDFAST_SEMAPHORE_PERMIT_NOT_HELD`"),
    },
    handler: async ({ params, body }, semaphores) => {
      const p = await semaphores.refresh({ name: params.name, token: body.token }, body.ttlMs);
      return {
        name: p.name,
        token: p.token,
        ttlMs: p.ttlMs,
        expiresAt: p.expiresAt,
        expiresIn: Math.max(0, p.expiresAt - Date.now()),
      };
    },
  });

  route({
    method: "POST",
    url: "/v1/semaphores/:name/release",
    operationId: "releasePermit",
    scope: "client",
    summary: "Give a permit back",
    params: nameParams,
    body: z.object({ token: token.describe("The permit's token, from acquire") }),
    responses: {
      200: { description: "Released", schema: permitReleasedReply },
      409: errorResponse("Not held (expired or released already)"),
    },
    handler: async ({ params, body }, semaphores) => {
      const holders = await semaphores.release({ name: params.name, token: body.token });
      return { name: params.name, released: true, holders };
    },
  });

  route({
    method: "GET",
    url: "/v1/semaphores/:name",
    operationId: "countPermits",
    scope: "client",
    summary: "How many permits are held now",
    params: nameParams,
    responses: {
      200: { description: "Permits held now (0 for a semaphore nobody holds)", schema: semaphoreCountReply },
    },
    handler: async ({ params }, semaphores) => ({
      name: params.name,
      count: await semaphores.count(params.name),
    }),
  });

  route({
    method: "GET",
    url: "/v1/semaphores/:name/holders",
    operationId: "listPermitHolders",
    scope: "client",
    summary: "Live holders, soonest expiry first, with remaining TTL and metadata (one page)",
    description:
      "Tokens are omitted (a token lets its bearer release the permit) unless an admin passes `includeTokens=true`. " +
      "Pages of `limit` holders (default 1000): pass `nextCursor` back as `cursor` for the next page; it is null after the last.",
    params: nameParams,
    query: z.object({
      includeTokens: z.enum(["true", "false"]).optional(),
      ...pageQuery(MAX_HOLDERS_PAGE),
    }),
    responses: {
      200: {
        description: "One page of holders (`count`: holders in this page)",
        schema: semaphoreHoldersReply,
      },
      400: errorResponse("Invalid `limit` or `cursor`"),
      403: errorResponse("`includeTokens=true` without an admin key"),
    },
    handler: async ({ params, query, principal }, semaphores) => {
      const withTokens = query.includeTokens === "true";
      if (withTokens && principal.role !== "admin") {
        throw new HttpError(403, "HOLDFAST_FORBIDDEN", "`includeTokens=true` needs an admin key.");
      }
      const page = await pageOrBadRequest(() =>
        semaphores.holdersPage(params.name, {
          limit: query.limit ?? MAX_HOLDERS_PAGE,
          cursor: query.cursor,
        }),
      );
      const holders = page.items;
      return {
        name: params.name,
        count: holders.length,
        nextCursor: page.nextCursor,
        holders: holders.map((h) => ({
          ...(withTokens ? { token: h.token } : {}),
          expiresAt: h.expiresAt,
          remainingTtlMs: h.remainingTtlMs,
          ...(h.metadata ? { metadata: h.metadata } : {}),
        })),
      };
    },
  });
}
