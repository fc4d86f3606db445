import { z } from "zod";
import type { ServerContext } from "../context.js";
import { routeGroup } from "../route.js";
import { HttpError } from "../http-errors.js";
import { counter } from "../../observe/metrics.js";
import { channelServiceOf } from "../ws/channel-service.js";
import { MAX_WS_TOKEN_TTL_MS } from "../ws/tokens.js";
import { errorResponse, nameParam } from "./common.js";
import { channelHistoryReply, publishedReply, wsTokenReply } from "../replies/events.js";

const channelParams = z.object({ channel: nameParam });
const messageId = z.string().regex(/^\d{1,15}-\d{1,15}$/, 'must be a message id ("<ms>-<seq>")');

const minted = counter("holdfast_server_ws_tokens_minted_total", "WebSocket tokens minted.");

/** `/v1/ws-tokens` and `/v1/channels/…`: tokens for browsers, publish and history over HTTP. */
export function registerChannelRoutes(ctx: ServerContext): void {
  const route = routeGroup(ctx, "channels");
  const service = () => channelServiceOf(ctx);

  route({
    method: "POST",
    url: "/v1/ws-tokens",
    operationId: "mintWebSocketToken",
    scope: "client",
    summary: "Mint a short-lived token that opens WebSocket connections for your tenant",
    description:
      "Browsers cannot send Authorization headers on a WebSocket: your backend mints a token with its key and hands it to the page, which connects to `/v1/ws?token=…` or offers `holdfast.token.<token>` in Sec-WebSocket-Protocol. A token opens ONE socket (it is taken at the upgrade), before `expiresAt`; a reconnecting client mints a new one. Open sockets stay open after it expires.",
    body: z
      .object({
        ttlMs: z
          .number()
          .int("must be an integer")
          .min(1000, "must be at least 1000")
          .max(MAX_WS_TOKEN_TTL_MS, `must be at most ${MAX_WS_TOKEN_TTL_MS}`)
          .optional()
          .describe("How long the token opens sockets, in ms (default 60000, at most 1 hour)"),
        channels: z
          .array(nameParam)
          .min(1)
          .max(64)
          .optional()
          .describe("Only these channel names or `*` patterns (default: every channel of the tenant)"),
        publish: z.boolean().optional().describe("May the token publish? (default true)"),
      })
      .default({}),
    responses: {
      200: {
        description: "The token and its expiry (ms since the epoch, server clock)",
        schema: wsTokenReply,
      },
      400: errorResponse("Invalid body"),
      503: errorResponse("Store unreachable: no token was minted"),
    },
    handler: async ({ body, principal }) => {
      const { token, expiresAt } = await service().tokens.mint(principal, body);
      minted.inc();
      return { token, expiresAt, expiresIn: body.ttlMs ?? 60_000, tenant: principal.tenant };
    },
  });

  route({
    method: "POST",
    url: "/v1/channels/:channel/publish",
    operationId: "publishChannelMessage",
    scope: "client",
    summary: "Publish a JSON message on one of your tenant's channels (one round trip)",
    description:
      "Durable channels (the service's default) append to the history and publish in one script. No Idempotency-Key: a retried publish is a second message with its own id; put your own id in `data` if subscribers must not act twice.",
    params: channelParams,
    body: z.object({
      data: z.unknown().refine((v) => v !== undefined, "is required (any JSON value)"),
      maxLen: z
        .number()
        .int()
        .min(0)
        .max(100_000_000)
        .optional()
        .describe("Durable: messages kept in the history (default 1000)"),
      maxAgeMs: z
        .number()
        .int()
        .min(0)
        .max(2_147_483_647)
        .optional()
        .describe("Durable: trim messages older than this many ms (default 86400000)"),
    }),
    responses: {
      200: {
        description: "Published: the history id and how many gateway processes got it live",
        schema: publishedReply,
      },
      400: errorResponse("Invalid channel name or body"),
      413: errorResponse("The message is over maxMessageBytes (64 KiB)"),
      503: errorResponse("Store unreachable: nothing was published"),
    },
    handler: async ({ params, body, principal }) => {
      const options =
        body.maxLen !== undefined || body.maxAgeMs !== undefined
          ? {
              ...(body.maxLen !== undefined ? { maxLen: body.maxLen } : {}),
              ...(body.maxAgeMs !== undefined ? { maxAgeMs: body.maxAgeMs } : {}),
            }
          : undefined;
      const r = await service().tenant(principal.tenant).publish(params.channel, body.data, options);
      return { channel: params.channel, id: r.id, receivers: r.receivers };
    },
  });

  route({
    method: "GET",
    url: "/v1/channels/:channel/history",
    operationId: "getChannelHistory",
    scope: "client",
    summary: "Read a durable channel's history after `since` (oldest first)",
    description:
      "Without `since`, returns the newest position (`cursor`) and no messages. Page with `since` = the last id received; fewer than `limit` messages means you are up to date. `recovered: false` says messages after `since` were trimmed (`firstId` is the oldest kept).",
    params: channelParams,
    query: z.object({
      since: messageId.optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional().describe("At most this many (default 100)"),
    }),
    responses: {
      200: { description: "A page of the history", schema: channelHistoryReply },
      400: errorResponse("Invalid channel name, since or limit"),
      409: errorResponse("The channel is ephemeral: it keeps no history"),
    },
    handler: async ({ params, query, principal }) => {
      const channels = service().tenant(principal.tenant);
      const scoped = channels.scoped(params.channel);
      if (service().channels.modeOf(scoped) !== "durable") {
        throw new HttpError(
          409,
          "HOLDFAST_CHANNEL_NOT_DURABLE",
          `"${params.channel}" is an ephemeral channel: it keeps no history.`,
          { channel: params.channel },
        );
      }
      const page = await channels.history(params.channel, {
        ...(query.since !== undefined ? { since: query.since } : {}),
        limit: query.limit ?? 100,
      });
      return {
        channel: params.channel,
        recovered: page.recovered,
        cursor: page.cursor,
        firstId: page.firstId,
        messages: page.messages.map((m) => ({ id: m.id, data: JSON.parse(m.data) as unknown })),
      };
    },
  });
}
