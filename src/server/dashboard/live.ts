import type { ServerResponse } from "node:http";
import { liveStreamReply } from "../replies/dashboard.js";
import { errorResponse } from "../routes/common.js";
import type { Disposable } from "../../observe/disposable.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../http-errors.js";
import { defineRoute } from "../route.js";
import { SAMPLE_MS, SERIES, type Activity, type TenantActivity } from "./activity.js";
import { liveEventText, type ChangeKind, type LiveEvent } from "./live-events.js";

/** Live streams open at once per tenant, and in all. */
export const MAX_STREAMS_PER_TENANT = 16;
export const MAX_STREAMS = 256;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** Change notices are gathered this long, then sent as one event. */
const CHANGE_COALESCE_MS = 100;

/** The last value of every series, and their rates: what a `sample` event carries. */
function sampleOf(t: TenantActivity, at: number) {
  const values: Record<string, number> = {};
  for (const s of SERIES) {
    const all = t.series[s].toArray();
    values[s] = all.length > 0 ? all[all.length - 1] : 0;
  }
  return { at, values };
}

/** Every series over the last minutes, oldest first: what `hello` carries so charts start full. */
export function seriesOf(t: TenantActivity) {
  return Object.fromEntries(SERIES.map((s) => [s, t.series[s].toArray()]));
}

/**
 * `GET /v1/dashboard/live`: a server-sent-events stream of one tenant's activity, authenticated like
 * every route (the page reads it with `fetch`, which can send the key as a header, where
 * `EventSource` cannot). Events: `hello` (who you are, the series so far), `sample` every
 * {@link SAMPLE_MS} (the interval just closed), and `change` (`{ kinds, names }`: state this
 * service changed, so a page fetches its current page again rather than polling every key).
 */
export function registerLiveRoute(ctx: ServerContext, activity: Activity): { close(): void } {
  const streams = new Map<string, Set<ServerResponse>>();
  let total = 0;

  defineRoute(ctx.app, ctx.registry, {
    method: "GET",
    url: "/v1/dashboard/live",
    operationId: "streamDashboardActivity",
    tag: "dashboard",
    scope: "client",
    summary: "Server-sent events of the tenant's activity: samples of its counters and change notices",
    responses: {
      200: {
        description: "A server-sent-events stream: `hello`, then `sample` and `change` events",
        schema: liveStreamReply,
        contentType: "text/event-stream",
      },
      429: errorResponse("Too many live streams for this tenant (16) or in all (256)", ["Retry-After"]),
    },
    handler: async ({ principal, request, reply }) => {
      const tenant = principal.tenant;
      const mine = streams.get(tenant) ?? new Set<ServerResponse>();
      if (mine.size >= MAX_STREAMS_PER_TENANT || total >= MAX_STREAMS) {
        throw new HttpError(
          429,
          "HOLDFAST_TOO_MANY_STREAMS",
          `At most ${MAX_STREAMS_PER_TENANT} live dashboard streams per tenant (${MAX_STREAMS} in all): close another dashboard tab.`,
        );
      }
      const t = activity.of(tenant);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
        "x-request-id": request.id,
      });
      const send = (e: LiveEvent) => res.write(liveEventText(e));
      send({
        type: "hello",
        data: {
          tenant,
          // A tenant route: the authenticator refuses operator keys, which act for no tenant.
          role: principal.role === "admin" ? "admin" : "client",
          keyId: principal.keyId,
          sampleMs: SAMPLE_MS,
          startedAt: activity.startedAt,
          now: Date.now(),
          series: seriesOf(t),
        },
      });
      mine.add(res);
      streams.set(tenant, mine);
      total++;

      let kinds = new Set<ChangeKind>();
      let names = new Set<string>();
      let flush: NodeJS.Timeout | undefined;
      const subs: Disposable[] = [
        activity.onSample((at) => send({ type: "sample", data: sampleOf(t, at) })),
        t.onChange((c) => {
          kinds.add(c.kind);
          if (c.name !== undefined && names.size < 50) names.add(c.name);
          flush ??= setTimeout(() => {
            flush = undefined;
            send({ type: "change", data: { kinds: [...kinds], names: [...names] } });
            kinds = new Set();
            names = new Set();
          }, CHANGE_COALESCE_MS);
        }),
      ];
      const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        clearInterval(keepalive);
        clearTimeout(flush);
        for (const s of subs) s.dispose();
        mine.delete(res);
        if (mine.size === 0) streams.delete(tenant);
        total--;
      };
      // The response's close (not the request's, which fires once a GET is read) means the
      // stream is over: the client left or the server ended it.
      res.on("close", end);
      res.on("error", end);
    },
  });

  return {
    /** Ends every stream (the app is closing). */
    close() {
      for (const set of streams.values()) {
        for (const res of set) {
          res.end();
          // A client that went away without closing its socket would hold the server's close.
          res.socket?.destroy();
        }
      }
    },
  };
}
