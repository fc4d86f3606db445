/** Reply schemas of `/v1/waiting-rooms/…`. */
import { z } from "zod";
import { int } from "./common.js";

const who = { room: z.string(), user: z.string() };
const queued = {
  state: z.literal("queued"),
  position: int().describe("1-based place in line"),
  ahead: int(),
  length: int().describe("Users queued, this one included"),
};
const admitted = {
  state: z.literal("admitted"),
  expiresInMs: int().describe("Time left on the admission"),
  length: int(),
};
const absent = { state: z.literal("absent"), length: int() };

export const roomPositionReply = z
  .discriminatedUnion("state", [
    z.object({ ...who, ...queued }),
    z.object({ ...who, ...admitted }),
    z.object({ ...who, ...absent }),
  ])
  .meta({ id: "RoomPosition" });

const joined = { joined: z.boolean().describe("false when the user already had a place or an admission") };
export const roomJoinReply = z.discriminatedUnion("state", [
  z.object({ ...who, ...queued, ...joined }),
  z.object({ ...who, ...admitted, ...joined }),
]);

const beat = { queued: z.boolean().describe("false: join again (at the back), or see `state`") };
export const roomHeartbeatReply = z.discriminatedUnion("state", [
  z.object({ ...who, ...beat, ...queued }),
  z.object({ ...who, ...beat, ...admitted }),
  z.object({ ...who, ...beat, ...absent }),
]);

export const roomLeftReply = z.object({
  ...who,
  left: z.boolean(),
  was: z.enum(["queued", "admitted", "absent"]),
});
export const roomAdmittedReply = z.object({ ...who, admitted: z.boolean() });
export const roomAdmitReply = z.object({ room: z.string(), admitted: z.array(z.string()), count: int() });
export const roomCountsReply = z.object({
  room: z.string(),
  length: int(),
  queued: int(),
  admitted: int(),
});
export const roomHeadReply = z.object({
  room: z.string(),
  queued: int(),
  admitted: int(),
  first: z.array(z.object({ position: int(), user: z.string(), heartbeatInMs: int() })),
});
