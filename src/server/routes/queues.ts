import { z } from "zod";
import { createWaitingRoom, DEFAULT_WAITING_ROOM_OPTIONS, MAX_HEAD_COUNT } from "../../waiting-room/index.js";
import type { ServerContext } from "../context.js";
import { routeGroup } from "../route.js";
import { errorResponse, nameParam } from "./common.js";
import {
  roomAdmitReply,
  roomAdmittedReply,
  roomCountsReply,
  roomHeadReply,
  roomHeartbeatReply,
  roomJoinReply,
  roomLeftReply,
  roomPositionReply,
} from "../replies/rooms.js";

const roomParams = z.object({ room: nameParam });
const userBody = z.object({ user: nameParam.describe("The user's id (a session, account or ticket id)") });
const userQuery = z.object({ user: nameParam.describe("The user's id") });

/** The reply of a call about one user of a room: the room and the user, then what the call answered. */
export async function aboutUser<T extends object>(room: string, user: string, answer: Promise<T>) {
  return { room, user, ...(await answer) };
}

/**
 * `/v1/waiting-rooms/:room/…`: a FIFO virtual queue per room. Users join, poll their position (a
 * heartbeat), and are admitted in batches by an admin; silent users and admissions expire by
 * themselves. Rooms need no definition: a room exists as soon as someone joins it.
 */
export function registerWaitingRoomRoutes(ctx: ServerContext): void {
  const route = routeGroup(ctx, "waiting-rooms", (store) => createWaitingRoom(store));

  route({
    method: "POST",
    url: "/v1/waiting-rooms/:room/join",
    operationId: "joinWaitingRoom",
    scope: "client",
    summary: "Join the back of the line; idempotent (a queued user keeps their place)",
    params: roomParams,
    body: userBody,
    responses: {
      200: { description: "In line (or admitted already)", schema: roomJoinReply },
      409: errorResponse("The room is full (`HOLDFAST_WAITING_ROOM_FULL`, `length`, `maxLength`)"),
      503: errorResponse("Store unreachable: nobody joined (fail closed)"),
    },
    handler: ({ params, body }, rooms) =>
      aboutUser(params.room, body.user, rooms.join(params.room, body.user)),
  });

  route({
    method: "POST",
    url: "/v1/waiting-rooms/:room/leave",
    operationId: "leaveWaitingRoom",
    scope: "client",
    summary: "Give up a place or an admission; `was` says which (absent: nothing to give up)",
    params: roomParams,
    body: userBody,
    responses: { 200: { description: "What the user gave up (`absent`: nothing)", schema: roomLeftReply } },
    handler: async ({ params, body }, rooms) => {
      const was = await rooms.leave(params.room, body.user);
      return { room: params.room, user: body.user, left: was !== "absent", was };
    },
  });

  route({
    method: "GET",
    url: "/v1/waiting-rooms/:room/position",
    operationId: "getWaitingRoomPosition",
    scope: "client",
    summary: "Where a user stands (1-based `position`); polling it keeps a queued user's place",
    params: roomParams,
    query: userQuery,
    responses: {
      200: { description: "Queued, admitted or absent", schema: roomPositionReply },
    },
    handler: ({ params, query }, rooms) =>
      aboutUser(params.room, query.user, rooms.position(params.room, query.user)),
  });

  route({
    method: "POST",
    url: "/v1/waiting-rooms/:room/heartbeat",
    operationId: "heartbeatWaitingRoom",
    scope: "client",
    summary: `Keep a queued user's place for another heartbeat TTL (${DEFAULT_WAITING_ROOM_OPTIONS.heartbeatTtlMs} ms)`,
    description: "`queued: false` means the user must join again (at the back) or was admitted: see `state`.",
    params: roomParams,
    body: userBody,
    responses: {
      200: { description: "The same fields as position, and `queued`", schema: roomHeartbeatReply },
    },
    handler: async ({ params, body }, rooms) => {
      // position() is the heartbeat, and answers more than heartbeat()'s boolean in the same round trip.
      const p = await rooms.position(params.room, body.user);
      return { room: params.room, user: body.user, queued: p.state === "queued", ...p };
    },
  });

  route({
    method: "GET",
    url: "/v1/waiting-rooms/:room/admitted",
    operationId: "checkWaitingRoomAdmission",
    scope: "client",
    summary: "Whether a user holds a live admission (read-only)",
    params: roomParams,
    query: userQuery,
    responses: { 200: { description: "Whether the user holds a live admission", schema: roomAdmittedReply } },
    handler: async ({ params, query }, rooms) => ({
      room: params.room,
      user: query.user,
      admitted: await rooms.isAdmitted(params.room, query.user),
    }),
  });

  route({
    method: "POST",
    url: "/v1/waiting-rooms/:room/admit",
    operationId: "admitFromWaitingRoom",
    scope: "admin",
    summary: "Admit the first `count` live users, in line order (admin)",
    params: roomParams,
    body: z.object({
      count: z
        .number()
        .int("must be an integer")
        .min(1, "must be at least 1")
        .max(
          DEFAULT_WAITING_ROOM_OPTIONS.maxAdmitBatch,
          `must be at most ${DEFAULT_WAITING_ROOM_OPTIONS.maxAdmitBatch}`,
        )
        .describe("How many users to admit"),
    }),
    responses: {
      200: {
        description: "The users admitted, in line order (fewer when the line ran out)",
        schema: roomAdmitReply,
      },
    },
    handler: async ({ params, body }, rooms) => {
      const admitted = await rooms.admit(params.room, body.count);
      return { room: params.room, admitted, count: admitted.length };
    },
  });

  route({
    method: "GET",
    url: "/v1/waiting-rooms/:room",
    operationId: "getWaitingRoomCounts",
    scope: "client",
    summary: "How many users are queued (`length`) and how many hold a live admission",
    params: roomParams,
    responses: { 200: { description: "The counts", schema: roomCountsReply } },
    handler: async ({ params }, rooms) => {
      const c = await rooms.counts(params.room);
      return { room: params.room, length: c.queued, queued: c.queued, admitted: c.admitted };
    },
  });

  route({
    method: "GET",
    url: "/v1/waiting-rooms/:room/head",
    operationId: "getWaitingRoomHead",
    scope: "admin",
    summary:
      "The counts and the first `count` live users in line, with the ms left on their heartbeat (admin)",
    params: roomParams,
    query: z.object({
      count: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_HEAD_COUNT)
        .optional()
        .describe("How many users from the head of the line (default 10)"),
    }),
    responses: {
      200: { description: "The counts and the head of the line", schema: roomHeadReply },
    },
    handler: async ({ params, query }, rooms) => ({
      room: params.room,
      ...(await rooms.head(params.room, query.count ?? 10)),
    }),
  });
}
