import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import { createSessions, type Session } from "../../session/index.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../http-errors.js";
import { routeGroup } from "../route.js";
import { durationMs, errorResponse, nameParam, plainText } from "./common.js";
import {
  sessionEnvelopeReply,
  sessionRevokedReply,
  userSessionsReply,
  userSessionsRevokedReply,
} from "../replies/sessions.js";

/**
 * The header that may carry a session token instead of the body. Tokens never travel in a URL
 * path or query string: those end up in access logs, proxies' logs and browser histories.
 */
export const SESSION_TOKEN_HEADER = "x-holdfast-session-token";

const MAX_TOKEN_LENGTH = 16_384;
const token = plainText(MAX_TOKEN_LENGTH);

const userParams = z.object({ user: nameParam });

/** Body of get/touch/revoke: the token (or the header) and an optional user hint. */
const lookupBody = z
  .object({
    token: token.optional().describe(`The session token; or send it in the ${SESSION_TOKEN_HEADER} header`),
    user: nameParam
      .optional()
      .describe("The user the token belongs to, if known: one round trip instead of two"),
  })
  .default({});

/** A library InvalidArgumentError names the option (`data`); over HTTP the field is `body.data`. */
async function inBody<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof InvalidArgumentError) {
      throw new HttpError(400, e.code, e.message, { field: `body.${e.field}`, reason: e.reason });
    }
    throw e;
  }
}

/** The token from the body, else from the header; 400 naming `body.token` when neither has one. */
function tokenOf(request: FastifyRequest, body: { token?: string }): string {
  if (body.token !== undefined) return body.token;
  const header = request.headers[SESSION_TOKEN_HEADER];
  const parsed = token.safeParse(header);
  if (typeof header === "string" && parsed.success) return parsed.data;
  throw new HttpError(
    400,
    "HOLDFAST_INVALID_ARGUMENT",
    `Invalid body.token: send the session token as "token" in the body or in the ${SESSION_TOKEN_HEADER} header.`,
    {
      field: "body.token",
      reason:
        header === undefined
          ? "required (in the body or the header)"
          : (parsed.error?.issues[0]?.message ?? "invalid"),
    },
  );
}

function notFound(): HttpError {
  return new HttpError(
    404,
    "HOLDFAST_SESSION_NOT_FOUND",
    "No live session for this token (expired, revoked, or never stored): sign in again.",
  );
}

const sessionJson = (s: Session) => ({ session: s });

/** The reply of a read that found a live session; a 404 when it found none. */
function liveSession(s: Session | null): { session: Session } {
  if (!s) throw notFound();
  return sessionJson(s);
}

/** Runs `op` on the session of the request's token (body or header), with the body's `user` hint. */
function byToken<T>(
  request: FastifyRequest,
  body: z.infer<typeof lookupBody>,
  op: (token: string, hint: { user?: string }) => Promise<T>,
): Promise<T> {
  const t = tokenOf(request, body);
  return inBody(() => op(t, { user: body.user }));
}

/**
 * `/v1/sessions/…`: put, get, touch, revoke (token in the body or a header, never in the URL),
 * list a user's sessions, revoke all of them.
 */
export function registerSessionRoutes(ctx: ServerContext): void {
  const route = routeGroup(ctx, "sessions", (store) => createSessions(store));

  route({
    method: "PUT",
    url: "/v1/sessions",
    operationId: "putSession",
    scope: "client",
    summary: "Store (or replace) the session of a token; the token is stored only as its SHA-256",
    description:
      "Idempotent: putting the same token again replaces its data and restarts its TTL. The answer carries the session `id` (the token's SHA-256), never the token.",
    body: z.object({
      token,
      user: nameParam.describe("The user the session belongs to"),
      data: z.unknown().optional().describe("Any JSON (claims, roles…), at most 65 536 characters"),
      ttlMs: durationMs.optional().describe("Lifetime in ms (default 86 400 000: 24 h)"),
    }),
    responses: {
      200: { description: "Stored (never the token: `id` is its SHA-256)", schema: sessionEnvelopeReply },
      400: errorResponse("Invalid token, user, data or ttlMs"),
      503: errorResponse("Store unreachable: nothing was stored"),
    },
    handler: async ({ body }, sessions) =>
      sessionJson(
        await inBody(() =>
          sessions.put(body.token, {
            user: body.user,
            data: body.data,
            ttlMs: body.ttlMs,
          }),
        ),
      ),
  });

  // get and touch differ only in what they do to the live session of the token (and their texts).
  const lookups = [
    {
      op: "get",
      operationId: "getSession",
      summary: "The live session of a token, without extending it",
      description: `The token travels in the body (\`token\`) or the \`${SESSION_TOKEN_HEADER}\` header. POST so that it never appears in a URL.`,
      found: "Live",
      unreachable: "Store unreachable: never a guessed answer",
    },
    {
      op: "touch",
      operationId: "touchSession",
      summary: "Restart a live session's TTL (sliding expiry) and return it",
      found: "Extended",
      unreachable: "Store unreachable",
    },
  ] as const;
  for (const { op, operationId, summary, found, unreachable, ...described } of lookups) {
    route({
      method: "POST",
      url: `/v1/sessions/${op}`,
      operationId,
      scope: "client",
      summary,
      ...described,
      body: lookupBody,
      responses: {
        200: { description: found, schema: sessionEnvelopeReply },
        404: errorResponse("No live session for this token"),
        503: errorResponse(unreachable),
      },
      handler: async ({ body, request }, sessions) =>
        liveSession(await byToken(request, body, (t, hint) => sessions[op](t, hint))),
    });
  }

  route({
    method: "POST",
    url: "/v1/sessions/revoke",
    operationId: "revokeSession",
    scope: "client",
    summary: "End a token's session now (sign out this device)",
    description: "Safe to retry: `revoked` is false when no live session was left to end.",
    body: lookupBody,
    responses: {
      200: { description: "Whether a live session was ended", schema: sessionRevokedReply },
      503: errorResponse("Store unreachable: the session may still be live"),
    },
    handler: async ({ body, request }, sessions) => ({
      revoked: await byToken(request, body, (t, hint) => sessions.revoke(t, hint)),
    }),
  });

  route({
    method: "GET",
    url: "/v1/sessions/users/:user",
    operationId: "listUserSessions",
    scope: "client",
    summary: "Every live session of a user (ids, data, expiry; never tokens), soonest-expiring first",
    params: userParams,
    responses: {
      200: { description: "The sessions (empty when the user has none)", schema: userSessionsReply },
      503: errorResponse("Store unreachable"),
    },
    handler: async ({ params }, sessions) => {
      const list = await sessions.list(params.user);
      return { user: params.user, sessions: list, count: list.length };
    },
  });

  route({
    method: "DELETE",
    url: "/v1/sessions/users/:user",
    operationId: "revokeUserSessions",
    scope: "client",
    summary: "End every session of a user in one atomic step (sign out everywhere)",
    params: userParams,
    responses: {
      200: { description: "How many sessions were ended", schema: userSessionsRevokedReply },
      503: errorResponse("Store unreachable: nothing was revoked"),
    },
    handler: async ({ params }, sessions) => ({
      user: params.user,
      revoked: await sessions.revokeAll(params.user),
    }),
  });
}
