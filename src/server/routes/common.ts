import { z } from "zod";
import { errorReply } from "../replies/common.js";
import type { ResponseHeader, ResponseSpec } from "../responses.js";

/** A primitive's name in a URL path (lock key, item id…): decoded by Fastify, checked here. */
export const nameParam = z
  .string()
  .min(1, "must not be empty")
  .max(512, "must be at most 512 characters")
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters");

/** A duration in ms, as every primitive accepts it. */
export const durationMs = z
  .number()
  .int("must be an integer")
  .min(1, "must be at least 1")
  .max(2_147_483_647, "must be at most 2147483647");

/** Free-form JSON metadata, bounded in size. */
export const metadata = z
  .record(z.string(), z.unknown())
  .refine((m) => JSON.stringify(m).length <= 4096, "must serialise to at most 4096 characters");

/** An error response of a route: the shared error body, with what this status means here. */
export const errorResponse = (description: string, headers?: ResponseHeader[]): ResponseSpec => ({
  description,
  schema: errorReply,
  ...(headers ? { headers } : {}),
});

/** A listing's `cursor`: the `nextCursor` of the previous page, as it was returned. */
export const cursorParam = z
  .string()
  .min(1, "must not be empty")
  .max(4096, "must be at most 4096 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "must be the nextCursor of a previous page");
