/** Reply schemas of `/v1/sessions/…`. */
import { z } from "zod";
import { int } from "./common.js";

export const sessionReply = z
  .object({
    id: z.string().describe("The token's SHA-256 (hex): safe to show and log"),
    user: z.string(),
    data: z.unknown().optional().describe("What was stored with it"),
    createdAtMs: int(),
    ttlMs: int(),
    expiresInMs: int(),
  })
  .meta({ id: "Session" });

export const sessionEnvelopeReply = z.object({ session: sessionReply });
export const sessionRevokedReply = z.object({
  revoked: z.boolean().describe("false when no live session was left to end"),
});
export const userSessionsReply = z.object({
  user: z.string(),
  sessions: z.array(sessionReply),
  count: int(),
});
export const userSessionsRevokedReply = z.object({ user: z.string(), revoked: int() });
