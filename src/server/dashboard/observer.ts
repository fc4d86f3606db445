import type { FastifyReply, FastifyRequest } from "fastify";
import type { Activity, ChangeKind, TenantActivity } from "./activity.js";
import { routeConfigOf, type RouteConfig } from "../route-config.js";

type Effect = (t: TenantActivity, a: Answer) => void;

/** What the observer reads of one answered request. */
interface Answer {
  status: number;
  params: Record<string, string>;
  body: Record<string, unknown>;
  ok: boolean;
}

const changed =
  (kind: ChangeKind, param?: string): Effect =>
  (t, a) => {
    if (!a.ok) return;
    // Two literals, not a conditional spread: this runs on every answered request.
    const name = param ? a.params[param] : undefined;
    t.notify(name ? { kind, name } : { kind });
  };

const both =
  (...effects: Effect[]): Effect =>
  (t, a) => {
    for (const e of effects) e(t, a);
  };

const limiter: Effect = (t, a) => {
  if (a.status !== 200 && a.status !== 429) return;
  const limits = Array.isArray(a.body.limits) ? a.body.limits : undefined;
  t.limiter(a.params.name, limits, undefined);
  t.notify({ kind: "ratelimits", name: a.params.name });
};

const breakerAction =
  (state: string): Effect =>
  (t, a) => {
    if (!a.ok) return;
    t.breakerState(a.params.name, state, "admin");
    t.notify({ kind: "breakers", name: a.params.name });
  };

/**
 * What each route means for the dashboard, keyed by `METHOD url` as Fastify routes it: which
 * counters move and which kind of state changed. Routes not listed only count as requests.
 */
const EFFECTS: Record<string, Effect> = {
  "POST /v1/locks/:key/acquire": (t, a) => {
    if (a.ok) t.count("acquires");
    if (a.status === 409) t.count("conflicts");
    changed("locks", "key")(t, a);
  },
  "POST /v1/locks/acquire-many": (t, a) => {
    if (a.ok) t.count("acquires");
    if (a.status === 409) t.count("conflicts");
    changed("locks")(t, a);
  },
  "POST /v1/locks/:key/refresh": changed("locks", "key"),
  "POST /v1/locks/:key/release": changed("locks", "key"),
  "DELETE /v1/locks/:key": changed("locks", "key"),
  "POST /v1/ratelimits/:name/check": (t, a) => {
    limiter(t, a);
    if (a.status === 200) t.limiter(a.params.name, undefined, "allowed");
    if (a.status === 429) {
      t.limiter(a.params.name, undefined, "denied");
      t.count("denials");
    }
  },
  "POST /v1/ratelimits/:name/peek": limiter,
  "POST /v1/ratelimits/:name/reward": limiter,
  "POST /v1/ratelimits/:name/penalty": limiter,
  "POST /v1/ratelimits/:name/reset": limiter,
  "POST /v1/semaphores/:name/acquire": (t, a) => {
    if (a.ok && typeof a.body.limit === "number") t.semaphoreLimits.set(a.params.name, a.body.limit);
    if (a.status === 409) t.count("conflicts");
    changed("semaphores", "name")(t, a);
  },
  "POST /v1/semaphores/:name/refresh": changed("semaphores", "name"),
  "POST /v1/semaphores/:name/release": changed("semaphores", "name"),
  "POST /v1/breakers/:name/trip": breakerAction("open"),
  "POST /v1/breakers/:name/isolate": breakerAction("isolated"),
  "POST /v1/breakers/:name/reset": breakerAction("closed"),
  "PUT /v1/inventory/items/:item": changed("inventory", "item"),
  "POST /v1/inventory/items/:item/restock": changed("inventory", "item"),
  "POST /v1/inventory/items/:item/adjust": changed("inventory", "item"),
  "POST /v1/inventory/items/:item/holds": (t, a) => {
    if (a.ok) t.count("holds");
    changed("inventory", "item")(t, a);
  },
  "POST /v1/inventory/holds": (t, a) => {
    if (a.ok) t.count("holds");
    changed("inventory")(t, a);
  },
  "POST /v1/inventory/holds/:holdId/commit": changed("inventory"),
  "POST /v1/inventory/holds/:holdId/release": changed("inventory"),
  "POST /v1/inventory/holds/:holdId/extend": changed("inventory"),
  "POST /v1/waiting-rooms/:room/join": changed("rooms", "room"),
  "POST /v1/waiting-rooms/:room/leave": changed("rooms", "room"),
  "POST /v1/waiting-rooms/:room/admit": changed("rooms", "room"),
  "POST /v1/machines/:machine/entities/:id": both(changed("machines", "machine"), changed("events")),
  "POST /v1/machines/:machine/entities/:id/events": both(changed("machines", "machine"), changed("events")),
  "DELETE /v1/machines/:machine/entities/:id": changed("machines", "machine"),
  "PUT /v1/machines/:machine": changed("machines", "machine"),
  "POST /v1/events": changed("events"),
  "POST /v1/channels/:channel/publish": changed("channels", "channel"),
  "POST /v1/keys": changed("keys"),
  "POST /v1/keys/:id/revoke": changed("keys"),
};

/** Routes of the dashboard itself, left out of the request counters (the page's own traffic). */
const OWN = /^\/(dashboard|v1\/dashboard)(\/|$)/;

/** What {@link observeResponse} does for one route, or undefined for a route it leaves out. */
const routes = new WeakMap<RouteConfig, { effect: Effect | undefined } | null>();

/**
 * Worked out once per route (Fastify keeps one config object per route and method), not per
 * request: the regular expression and the `EFFECTS` lookup cost more than the counting itself.
 */
function routeOf(config: RouteConfig, method: string): { effect: Effect | undefined } | undefined {
  let route = routes.get(config);
  if (route === undefined) {
    const url = config.url;
    route =
      url === undefined || OWN.test(url) || config.scope === "public"
        ? null
        : { effect: EFFECTS[`${method} ${url}`] };
    routes.set(config, route);
  }
  return route ?? undefined;
}

/**
 * Feeds {@link Activity} from every answered request: per tenant, requests and 5xx answers, the
 * counters of {@link EFFECTS}, and change notices for the live stream. Reads only what the route
 * already validated (params, body) and the status; never the response body.
 */
export function observeResponse(activity: Activity, request: FastifyRequest, reply: FastifyReply): void {
  const principal = request.principal;
  const config = routeConfigOf(request);
  if (!principal || config === undefined) return;
  const route = routeOf(config, request.method);
  if (route === undefined) return;
  const t = activity.of(principal.tenant);
  const status = reply.statusCode;
  t.count("requests");
  if (status >= 500) t.count("errors");
  const effect = route.effect;
  if (!effect) return;
  const body = typeof request.body === "object" && request.body !== null ? request.body : {};
  const answer: Answer = {
    status,
    ok: status >= 200 && status < 300,
    params: (request.params ?? {}) as Record<string, string>,
    body: body as Record<string, unknown>,
  };
  effect(t, answer);
}

/** Counts admissions from the admit route's answer (read before it is serialised). */
export function observeAdmission(activity: Activity, request: FastifyRequest, payload: unknown): void {
  if (routeConfigOf(request)?.url !== "/v1/waiting-rooms/:room/admit" || !request.principal) return;
  const count = (payload as { count?: unknown } | null)?.count;
  const room = (request.params as { room?: string }).room;
  if (typeof count === "number" && count > 0 && room)
    activity.of(request.principal.tenant).admitted(room, count);
}
