import { checkRedis, type CheckFinding } from "../../store/redis/check.js";
import { overviewReply } from "../replies/dashboard.js";
import type { Store } from "../../store/types.js";
import { HOLDFAST_VERSION } from "../../version.js";
import type { ServerContext } from "../context.js";
import type { Principal } from "../auth/principal.js";
import { defineRoute } from "../route.js";
import { ALL_TENANTS } from "../tenants.js";
import { SAMPLE_MS, SERIES, type Activity } from "./activity.js";
import { seriesOf } from "./live.js";

/** How long one server check (INFO and CONFIG GET on every master) is reused, in ms. */
export const SERVER_CHECK_TTL_MS = 30_000;

/**
 * The server check of `holdfast doctor`, run at most once per {@link SERVER_CHECK_TTL_MS} whatever
 * the number of dashboards: it is the store's, not a tenant's, so one result serves every admin.
 */
export class ServerCheck {
  private last: { at: number; findings: CheckFinding[] } | undefined;
  private running: Promise<{ at: number; findings: CheckFinding[] }> | undefined;

  constructor(private readonly store: Store) {}

  async get(): Promise<{ at: number; findings: CheckFinding[] }> {
    if (this.last && Date.now() - this.last.at < SERVER_CHECK_TTL_MS) return this.last;
    this.running ??= checkRedis(this.store)
      .catch((e: unknown): CheckFinding[] => [
        { check: "connection", level: "error", message: `server check failed: ${(e as Error).message}` },
      ])
      .then((findings) => (this.last = { at: Date.now(), findings }))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}

/**
 * Whether `principal` may see what spans every tenant (the server check reads the whole store's
 * memory and settings), by the rule of `/metrics`: an admin key of every tenant (or the open
 * principal of a loopback service without keys).
 */
function spansTenants(principal: Principal): boolean {
  return principal.role === "admin" && principal.tenants.includes(ALL_TENANTS);
}

/**
 * `GET /v1/dashboard/overview`: the store's health (what `/readyz` says), this process' uptime and
 * the tenant's request and error rates with the last minutes of its counters. Admin keys of every
 * tenant also get the server check (memory used and its budget, eviction policy, persistence) and
 * this process' memory: they describe the store every tenant shares, as /metrics does.
 */
export function registerOverviewRoute(ctx: ServerContext, activity: Activity): void {
  const check = new ServerCheck(ctx.store);
  defineRoute(ctx.app, ctx.registry, {
    method: "GET",
    url: "/v1/dashboard/overview",
    operationId: "getDashboardOverview",
    tag: "dashboard",
    scope: "client",
    summary:
      "Store health, uptime, the tenant's rates and counters over the last minutes (server check: admin)",
    responses: {
      200: {
        description:
          "Store health, uptime, the tenant's rates and series; `server` (admin key of every tenant): the findings of `holdfast doctor` and the process' memory",
        schema: overviewReply,
      },
    },
    handler: async ({ principal }) => {
      const t = activity.of(principal.tenant);
      const [store, server] = await Promise.all([
        ctx.store.health(),
        spansTenants(principal) ? check.get() : Promise.resolve(undefined),
      ]);
      const rates = Object.fromEntries(SERIES.map((s) => [s, t.series[s].ratePerSec()]));
      const mem = process.memoryUsage();
      const budget = (ctx.store as { maxMemoryBytes?: unknown }).maxMemoryBytes;
      return {
        tenant: principal.tenant,
        role: principal.role,
        open: principal.keyId === "open",
        version: HOLDFAST_VERSION,
        now: Date.now(),
        startedAt: activity.startedAt,
        uptimeMs: Math.round(process.uptime() * 1000),
        store,
        rates,
        sampleMs: SAMPLE_MS,
        series: seriesOf(t),
        ...(server
          ? {
              server: {
                checkedAt: server.at,
                findings: server.findings,
                process: {
                  rssBytes: mem.rss,
                  heapUsedBytes: mem.heapUsed,
                  ...(typeof budget === "number" ? { storeBudgetBytes: budget } : {}),
                },
              },
            }
          : {}),
      };
    },
  });
}
