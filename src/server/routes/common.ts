import { z } from "zod";
import { errorReply } from "../replies/common.js";
import type { ResponseHeader, ResponseSpec } from "../responses.js";
import { InvalidArgumentError } from "../../errors/invalid-argument-error.js";
import { MAX_CURSOR_LENGTH } from "../../util/cursor.js";
import { MAX_NAME_LENGTH, NO_CONTROL_CHARACTERS } from "../../util/validate.js";
import { HttpError } from "../http-errors.js";
import { isIntIn, isStringOfLength } from "../fast-parse.js";
import type { ServerContext } from "../context.js";
import type { Store } from "../../store/types.js";
import { scanNames, type NameSource, type NamesPage, type ScanNamesOptions } from "../../store/scan-names.js";

/** Non-empty text of at most `max` characters without control characters (names, tokens, keys). */
export function plainText(max: number) {
  return z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .regex(NO_CONTROL_CHARACTERS, "must not contain control characters");
}

/** A primitive's name in a URL path (lock key, item id…): decoded by Fastify, checked here. */
export const nameParam = plainText(MAX_NAME_LENGTH);

/** True when `v` passes {@link nameParam} (for fast paths: see fast-parse.ts). */
export function isName(v: unknown): v is string {
  return isStringOfLength(v, 1, MAX_NAME_LENGTH) && NO_CONTROL_CHARACTERS.test(v);
}

/** A duration in ms, as every primitive accepts it. */
export { durationMs } from "../replies/common.js";

/** True when `v` passes {@link durationMs} (for fast paths: see fast-parse.ts). */
export function isDurationMs(v: unknown): v is number {
  return isIntIn(v, 1, 2_147_483_647);
}

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

/** The `limit` and `cursor` query parameters of a listing that pages (see util/cursor.ts). */
export function pageQuery(max: number) {
  return {
    limit: z.coerce
      .number()
      .int("must be an integer")
      .min(1, "must be at least 1")
      .max(max, `must be at most ${max}`)
      .optional()
      .describe(`Most entries in this page (1–${max})`),
    cursor: z
      .string()
      .min(1, "must not be empty")
      .max(MAX_CURSOR_LENGTH, `must be at most ${MAX_CURSOR_LENGTH} characters`)
      .optional()
      .describe("The `nextCursor` of the previous page; omit for the first page"),
  };
}

/** Reads one page, answering a cursor the listing did not issue with a 400 on `query.cursor`. */
export async function pageOrBadRequest<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof InvalidArgumentError && e.field === "cursor") {
      throw new HttpError(400, e.code, e.message, { field: "query.cursor", reason: e.reason });
    }
    throw e;
  }
}

/**
 * The accessor a route group reads its primitive through: one instance per tenant, made on first
 * use over the tenant's store and cached by the context under `kind`.
 */
export function perTenant<T extends object>(
  ctx: ServerContext,
  kind: string,
  make: (store: Store) => T,
): (tenant: string) => T {
  return (tenant) => ctx.perTenant(kind, tenant, make);
}

/**
 * One page of a listing's walk over the names of `kinds` (see store/scan-names.ts), with a cursor
 * the listing did not issue answered as a 400 on `query.cursor`.
 */
export function scanPage<T>(
  store: Store,
  kinds: readonly NameSource[],
  query: ScanNamesOptions,
  visit: (kind: string, name: string, index: number) => Promise<T | null>,
): Promise<NamesPage<T>> {
  return pageOrBadRequest(() => scanNames(store, kinds, query, visit));
}
