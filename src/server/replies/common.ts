/**
 * Reply schemas shared by every route: the error body, and the building blocks of the others.
 * Each route declares the schema of every reply it sends (src/server/route.ts); the OpenAPI
 * document is generated from them, and the HTTP tests check every reply against them, so the
 * document and the replies cannot drift apart. A schema with `meta({ id })` is a shared shape,
 * emitted once in the document's `components.schemas`.
 */
import { z } from "zod";

/** An integer (JSON number without a fraction). */
export const int = () => z.number().int();

/** A duration in whole ms, 1 to 2^31 − 1 (what every request's TTL, window or wait takes). */
export const durationMs = z
  .number()
  .int("must be an integer")
  .min(1, "must be at least 1")
  .max(2_147_483_647, "must be at most 2147483647");

/** A time in ms since the epoch. */
export const epochMs = (what: string) => int().describe(`${what}, in ms since the epoch`);

/** The body of every error response. */
export const errorReply = z
  .object({
    error: z
      .object({
        code: z.string().describe("Stable error code, listed in docs/errors.md"),
        message: z.string().describe("What happened and what to do next"),
        field: z.string().optional().describe("400: the offending field, as a dotted path (`body.ttlMs`)"),
        reason: z.string().optional().describe("400: why that field was refused"),
      })
      .catchall(z.unknown())
      .describe(
        "The error's own fields are here too: `remainingTtlMs` (locks), `available` (stock), `currentState`/`currentVersion` (machines), `holders`/`limit`/`retryAfterMs` (semaphores)…",
      ),
    requestId: z.string().describe("The request's x-request-id: look it up in the server log"),
  })
  .meta({ id: "Error", description: "Every error answer: a stable code, a message and the request id." });

/** Free-form JSON object data (metadata, context, entity data). */
export const jsonObject = z.record(z.string(), z.unknown());
