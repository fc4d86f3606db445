/** Reply schemas of `/v1/events`, `/v1/ws-tokens` and `/v1/channels/…`. */
import { z } from "zod";
import { epochMs, int, jsonObject } from "./common.js";

export const eventRecordReply = z
  .object({
    id: z.string().describe("`<server ms>-<seq>`: unique and increasing within a source"),
    source: z.string(),
    type: z.string(),
    at: epochMs("When it was appended (server clock)"),
    context: jsonObject,
  })
  .meta({ id: "Event" });

export const eventAppendedReply = z.object({
  id: z.string(),
  source: z.string(),
  type: z.string(),
  at: int(),
});
export const eventListReply = z.object({ events: z.array(eventRecordReply), count: int() });
export const eventSourcesReply = z.object({
  sources: z.array(z.string()),
  nextCursor: z.string().nullable().describe("Pass back as `cursor` for the next page; null after the last"),
});

export const wsTokenReply = z.object({
  token: z.string(),
  expiresAt: epochMs("Until when the token opens sockets (server clock)"),
  expiresIn: int(),
  tenant: z.string(),
});

export const publishedReply = z.object({
  channel: z.string(),
  id: z.string().nullable().describe("The history id; null on an ephemeral channel"),
  receivers: int().describe("Gateway processes that got it live (not sockets)"),
});

export const channelHistoryReply = z.object({
  channel: z.string(),
  recovered: z.boolean().describe("false: messages after `since` were trimmed"),
  cursor: z.string().describe("The newest id of the history"),
  firstId: z.string().nullable().describe("With `recovered: false`, the oldest id still kept"),
  messages: z.array(z.object({ id: z.string(), data: z.unknown() })),
});
