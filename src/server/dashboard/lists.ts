import { z } from "zod";
import {
  breakerListReply,
  limiterListReply,
  roomListReply,
  semaphoreListReply,
} from "../replies/dashboard.js";
import { roomPositionReply } from "../replies/rooms.js";
import { peekBreaker } from "../../breaker/peek.js";
import { createSemaphores, type Semaphores } from "../../semaphore/index.js";
import { createWaitingRoom, type WaitingRoom } from "../../waiting-room/index.js";
import type { ServerContext } from "../context.js";
import { defineRoute } from "../route.js";
import { nameParam, pageQuery, perTenant, scanPage } from "../routes/common.js";
import type { Principal } from "../auth/principal.js";
import type { NameSource } from "../../store/scan-names.js";
import type { Store } from "../../store/types.js";
import { MAX_NAME_LENGTH } from "../../util/validate.js";
import type { Activity } from "./activity.js";
import { aboutUser } from "../routes/queues.js";

/** The query of every listing: a name prefix, a page size and the previous page's cursor. */
export const listQuery = z.object({
  prefix: z
    .string()
    .max(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters`)
    .optional()
    .describe("Only names starting with this"),
  ...pageQuery(200),
});

/** The visitor of one page of a listing (see `scanPage`): a name's row, or null to leave it out. */
type Visit<T> = (kind: string, name: string, index: number) => Promise<T | null>;

/**
 * The handler of a listing of the tenant's names of `kinds`: one page of `scanPage`, each name made a
 * row by the visitor `visitor` builds for the request, answered as `{ [field]: rows, nextCursor }`.
 */
export function listing<F extends string, T>(
  ctx: ServerContext,
  field: F,
  kinds: readonly NameSource[],
  visitor: (tenant: string, store: Store) => Visit<T>,
) {
  return async ({ query, principal }: { query: z.output<typeof listQuery>; principal: Principal }) => {
    const store = ctx.tenantStore(principal.tenant);
    const page = await scanPage(store, kinds, query, visitor(principal.tenant, store));
    return { [field]: page.items, nextCursor: page.nextCursor } as Record<F, T[]> & {
      nextCursor: typeof page.nextCursor;
    };
  };
}

/** Holders shown per semaphore in a listing. */
const HOLDERS_SHOWN = 10;

/** A room's keys a listing walks: its queue, then its admissions (index 0 and 1 of a visit). */
const ROOM_SOURCES = [
  { kind: "room", suffix: "q" },
  { kind: "room", suffix: "adm" },
];

/**
 * Listings of the primitives that had none (admin, like `GET /v1/locks`): semaphores and
 * concurrency limits, breakers, waiting rooms, and the rate limiters this service has seen. Each
 * is a page of a SCAN-style walk of the tenant's keys (`cursor` in, `nextCursor` out), with bounded
 * work per page, so they stay fast however many names the store holds.
 */
export function registerListRoutes(ctx: ServerContext, activity: Activity): void {
  const { app, registry } = ctx;
  const groups = perTenant(ctx, "dashboard:semaphores", (store) => ({
    semaphore: createSemaphores(store),
    concurrency: createSemaphores(store, { keyKind: "concurrency" }),
  }));
  const rooms = perTenant<WaitingRoom>(ctx, "dashboard:rooms", (store) => createWaitingRoom(store));

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/semaphores",
    operationId: "listSemaphores",
    tag: "semaphores",
    scope: "admin",
    summary: "List held semaphores and concurrency limits of the tenant, a page at a time (admin)",
    description:
      "Each with its live holders (soonest expiry first, at most 10 shown) and, when this service saw an acquire, the `limit` last sent. Concurrency limits are the library's `createConcurrencyLimiter` slots (key kind `concurrency`).",
    query: listQuery,
    responses: { 200: { description: "A page of held semaphores", schema: semaphoreListReply } },
    handler: listing(ctx, "semaphores", ["sem", "concurrency"], (tenant) => {
      const g = groups(tenant);
      const limits = activity.of(tenant).semaphoreLimits;
      return async (kind, name) => {
        const group = kind === "sem" ? "semaphore" : "concurrency";
        const sems: Semaphores = g[group];
        const holders = await sems.holders(name);
        if (holders.length === 0) return null;
        return {
          name,
          group,
          count: holders.length,
          limit: group === "semaphore" ? (limits.get(name) ?? null) : null,
          holders: holders.slice(0, HOLDERS_SHOWN).map((h) => ({
            expiresAt: h.expiresAt,
            remainingTtlMs: h.remainingTtlMs,
            ...(h.metadata ? { metadata: h.metadata } : {}),
          })),
        };
      };
    }),
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/breakers",
    operationId: "listBreakers",
    tag: "breakers",
    scope: "admin",
    summary: "List the tenant's shared breakers with their state and the transitions seen here (admin)",
    description:
      "`history`: transitions this service made (admin actions) or noticed on a read, newest last; `missed` counts transitions the store made that no read here saw. Breakers idle past their state TTL have no stored state and read as closed; they are not listed.",
    query: listQuery,
    responses: { 200: { description: "A page of breakers with stored state", schema: breakerListReply } },
    handler: listing(ctx, "breakers", ["breaker"], (tenant, store) => {
      const t = activity.of(tenant);
      return async (_kind, name) => {
        const b = await peekBreaker(store, name);
        if (!b.stored) return null;
        t.breakerState(name, b.state, "observed", b.generation);
        return { ...b, history: t.breakerHistory(name) };
      };
    }),
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/waiting-rooms",
    operationId: "listWaitingRooms",
    tag: "waiting-rooms",
    scope: "admin",
    summary: "List the tenant's waiting rooms with their counts and admission rate (admin)",
    description:
      "`admittedPerMin`: admissions through this service's admit route over the last minute (a library process admitting on the same store is not counted). A room is listed once per key kind it has (queued users, live admissions): the dashboard merges by name.",
    query: listQuery,
    responses: { 200: { description: "A page of rooms", schema: roomListReply } },
    handler: listing(ctx, "rooms", ROOM_SOURCES, (tenant) => {
      const r = rooms(tenant);
      const t = activity.of(tenant);
      return async (_k, room, index) => {
        const c = await r.counts(room);
        // A room with users in line was listed from its queue: its admissions key would list it twice.
        if (index === 1 && c.queued > 0) return null;
        if (c.queued === 0 && c.admitted === 0) return null;
        const rate = t.admissions.get(room)?.ratePerSec() ?? 0;
        return {
          room,
          queued: c.queued,
          admitted: c.admitted,
          admittedPerMin: Math.round(rate * 600) / 10,
        };
      };
    }),
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/waiting-rooms/:room/peek",
    operationId: "peekRoomPosition",
    tag: "waiting-rooms",
    scope: "client",
    summary: "Where a user stands, read-only: unlike /position it never refreshes the user's heartbeat",
    params: z.object({ room: nameParam }),
    query: z.object({ user: nameParam }),
    responses: { 200: { description: "The user's place, unchanged", schema: roomPositionReply } },
    handler: ({ params, query, principal }) =>
      aboutUser(params.room, query.user, rooms(principal.tenant).peekPosition(params.room, query.user)),
  });

  defineRoute(app, registry, {
    method: "GET",
    url: "/v1/ratelimits",
    operationId: "listRateLimiters",
    tag: "ratelimits",
    scope: "admin",
    summary:
      "The rate limiters this service has seen for the tenant, with their limits and decision rates (admin)",
    description:
      "Limits travel with each call, so only a service that saw a call knows them: this lists the limiters called through this service (at most 500 per tenant, most recent last), with the limits last sent and allowed/denied per second over the last minute. Look up a key's state with `POST /v1/ratelimits/:name/peek`.",
    responses: { 200: { description: "The limiters this service has seen", schema: limiterListReply } },
    handler: async ({ principal }) => {
      const t = activity.of(principal.tenant);
      const limiters = [...t.limiters.entries()].map(([name, l]) => ({
        name,
        limits: l.limits,
        allowedPerSec: l.allowed.ratePerSec(),
        deniedPerSec: l.denied.ratePerSec(),
        allowed: l.allowed.total,
        denied: l.denied.total,
        lastSeenAt: l.lastSeenAt,
      }));
      return { limiters };
    },
  });
}
