import { z } from "zod";
import { channelListReply, channelRecentReply } from "../replies/dashboard.js";
import { readRange } from "../../events/read.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../http-errors.js";
import { routeGroup } from "../route.js";
import { errorResponse, nameParam, scanPage } from "../routes/common.js";
import { tenantNamespace } from "../tenants.js";
import { channelServiceOf } from "../ws/channel-service.js";
import type { Activity } from "./activity.js";
import { listQuery } from "./lists.js";

/** Newest history entries read per channel to compute its message rate. */
const RATE_WINDOW_ENTRIES = 100;
const MINUTE_MS = 60_000;

/** The `<ms>` part of a history id. */
const msOf = (id: string) => Number(id.slice(0, id.indexOf("-")));

/**
 * `GET /v1/channels` (admin) and `GET /v1/channels/:channel/recent`: the tenant's durable channels
 * (those with a history in the store) with their subscribers on this process and their message
 * rate over the last minute, read from the history's ids; channels that have subscribers here but
 * keep no history come on the first page as `live`. And the newest messages of one channel.
 */
export function registerChannelListRoutes(ctx: ServerContext, activity: Activity): void {
  const route = routeGroup(ctx, "channels");
  const service = () => channelServiceOf(ctx);

  /** The newest `limit` entries of the history of a channel named `scoped` (tenant included), newest first. */
  const newest = (scoped: string, limit: number) =>
    readRange(ctx.store, ctx.store.keys.key("channel", scoped, "log"), "desc", "-", "+", limit);

  /** The last messages of a durable channel, newest first, from its stream (the `d` field). */
  const recent = async (tenant: string, channel: string, limit: number) => {
    const r = await newest(service().tenant(tenant).scoped(channel), limit);
    return r.rows.map((row) => {
      const raw = row.fields.get("d") ?? "null";
      let data: unknown;
      try {
        data = JSON.parse(raw);
      } catch {
        data = raw;
      }
      return { id: row.id, at: msOf(row.id), data };
    });
  };

  route({
    method: "GET",
    url: "/v1/channels",
    operationId: "listChannels",
    scope: "admin",
    summary: "List the tenant's channels with subscribers and message rates, a page at a time (admin)",
    description:
      "Durable channels are found in the store (their history); `subscribers` counts the WebSocket connections of this process subscribed to each; `perMinute` counts history entries of the last minute (at most 100 are read: 100 means at least). `live` (first page only): channels subscribed here that keep no history.",
    query: listQuery,
    responses: { 200: { description: "A page of channels", schema: channelListReply } },
    handler: async ({ query, principal }) => {
      const tenant = principal.tenant;
      const head = tenantNamespace(tenant);
      const subs = await service().subscribers(tenant);
      const t = activity.of(tenant);
      const now = Date.now();
      const page = await scanPage(
        ctx.store,
        [{ kind: "channel", suffix: "log" }],
        { ...query, prefix: head + (query.prefix ?? "") },
        async (_k, scoped) => {
          const channel = scoped.slice(head.length);
          const last = await newest(scoped, RATE_WINDOW_ENTRIES);
          if (last.rows.length === 0) return null;
          const lastId = last.rows[0].id;
          return {
            channel,
            subscribers: subs.get(channel) ?? 0,
            perMinute: last.rows.filter((r) => msOf(r.id) > now - MINUTE_MS).length,
            lastId,
            lastAt: msOf(lastId),
          };
        },
      );
      const listed = new Set(page.items.map((c) => c.channel));
      const live =
        query.cursor === undefined
          ? [...subs]
              .filter(
                ([c]) =>
                  !listed.has(c) &&
                  c.startsWith(query.prefix ?? "") &&
                  service().tenant(tenant).modeOf(c) !== "durable",
              )
              .map(([channel, subscribers]) => ({
                channel,
                subscribers,
                perMinute: Math.round((t.channelMessages.get(channel)?.ratePerSec() ?? 0) * 60),
              }))
          : [];
      return { channels: page.items, live, nextCursor: page.nextCursor };
    },
  });

  route({
    method: "GET",
    url: "/v1/channels/:channel/recent",
    operationId: "getRecentChannelMessages",
    scope: "client",
    summary: "The newest messages of a durable channel, newest first",
    description:
      "To follow it live, subscribe over the WebSocket gateway with `since` = the first id returned.",
    params: z.object({ channel: nameParam }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).optional().describe("Default 20") }),
    responses: {
      200: { description: "The newest messages, newest first", schema: channelRecentReply },
      409: errorResponse("The channel is ephemeral: it keeps no history"),
    },
    handler: async ({ params, query, principal }) => {
      const channels = service().tenant(principal.tenant);
      if (service().channels.modeOf(channels.scoped(params.channel)) !== "durable") {
        throw new HttpError(
          409,
          "HOLDFAST_CHANNEL_NOT_DURABLE",
          `"${params.channel}" is an ephemeral channel: it keeps no history.`,
          {
            channel: params.channel,
          },
        );
      }
      return {
        channel: params.channel,
        messages: await recent(principal.tenant, params.channel, query.limit ?? 20),
      };
    },
  });
}
