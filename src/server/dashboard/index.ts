import type { preSerializationHookHandler } from "fastify";
import type { KeyStore } from "../auth/key-store.js";
import type { ServerContext } from "../context.js";
import { channelServiceOf } from "../ws/channel-service.js";
import { Activity } from "./activity.js";
import { defaultAssetsDir, registerDashboardAssets } from "./assets.js";
import { registerKeyRoutes } from "./keys-routes.js";
import { registerListRoutes } from "./lists.js";
import { registerChannelListRoutes } from "./lists-channels.js";
import { registerDataListRoutes } from "./lists-data.js";
import { registerLiveRoute } from "./live.js";
import { observeAdmission, observeResponse } from "./observer.js";
import { registerOverviewRoute } from "./overview.js";

/** Options of {@link registerDashboard}. */
export interface DashboardOptions {
  /** Where API keys live (the keys view lists, creates and revokes them there). */
  keyStore: KeyStore;
  /**
   * The built page (`index.html` and `assets/`), or false to serve no page (the routes stay).
   * @defaultValue `dist/dashboard` of this package
   */
  assetsDir?: string | false;
}

/** The admit route: the only one whose answer the dashboard reads (its `count`). */
const ADMIT_ROUTE = "/v1/waiting-rooms/:room/admit";

/**
 * The dashboard's per-tenant {@link Activity}, fed by every answered request from now on. Call it
 * before the routes are registered: the admit route's answer is read by a hook of that route only
 * (a hook on every route costs each request about a microsecond, even where it does nothing).
 */
export function observeActivity(ctx: ServerContext): Activity {
  const activity = new Activity();
  activity.start();
  // Callback hooks (no promise per request): they run on every answered request.
  ctx.app.addHook("onResponse", (request, reply, done) => {
    try {
      observeResponse(activity, request, reply);
    } catch (e) {
      return done(e as Error);
    }
    done();
  });
  const admission: preSerializationHookHandler<unknown> = (request, _reply, payload, done) => {
    try {
      observeAdmission(activity, request, payload);
    } catch (e) {
      return done(e as Error);
    }
    done(null, payload);
  };
  ctx.app.addHook("onRoute", (route) => {
    if (route.url !== ADMIT_ROUTE) return;
    const own = route.preSerialization;
    route.preSerialization =
      own === undefined ? [admission] : [...(Array.isArray(own) ? own : [own]), admission];
  });
  return activity;
}

/**
 * The operator dashboard: its page at `/dashboard` (served with no key: it holds nothing secret),
 * and the routes it reads, all authenticated like every other route: the overview and its live
 * stream (`/v1/dashboard/…`), listings of every primitive (admin), and the API keys of the tenant
 * (admin). It observes every answered request to keep per-tenant counters for the Overview and to
 * push change notices, so that pages refetch one page of what changed instead of polling keys.
 */
export function registerDashboard(
  ctx: ServerContext,
  options: DashboardOptions,
  activity: Activity = observeActivity(ctx),
): Activity {
  // After the channel gateway is attached (it makes the channel service with its options).
  channelServiceOf(ctx).observer = (tenant, event, channel) => {
    const t = activity.of(tenant);
    if (event === "publish") return t.notify({ kind: "channels", name: channel });
    // Once per message per process for the sockets subscribed here (before fan-out).
    t.channelMessage(channel);
    t.count("deliveries");
  };
  registerDashboardAssets(
    ctx,
    options.assetsDir === false ? undefined : (options.assetsDir ?? defaultAssetsDir()),
  );
  registerOverviewRoute(ctx, activity);
  const live = registerLiveRoute(ctx, activity);
  registerListRoutes(ctx, activity);
  registerDataListRoutes(ctx);
  registerChannelListRoutes(ctx, activity);
  registerKeyRoutes(ctx, options.keyStore);

  // Open event streams would hold the server's close until its timeout: end them first.
  ctx.app.addHook("preClose", async () => {
    live.close();
    activity.stop();
  });
  return activity;
}
