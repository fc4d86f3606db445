import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import { assertInt, describeValue } from "./validate.js";

/** Options of a listing that pages: where to resume and how many at most. */
export interface PageOptions {
  /** Where to resume: the `nextCursor` of the previous page. @defaultValue the first page */
  cursor?: string;
  /** The most entries in this page (each page is one bounded call). @defaultValue per listing */
  limit?: number;
}

/** One page of a listing; `nextCursor` is null after the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Longest cursor accepted, in characters: a cursor comes from outside (HTTP, CLI). A memory-store
 * scan resumes after a key (prefix, kind and a name of up to 512 characters, 3 bytes each in
 * UTF-8), which base64url makes up to about 2,400 characters.
 */
export const MAX_CURSOR_LENGTH = 4096;

/**
 * An opaque cursor: base64url of a JSON array of strings (a position inside a listing). Opaque so
 * that callers pass it back as they got it instead of building their own.
 */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

/**
 * The parts of a cursor made by {@link encodeCursor} with `arity` parts, or undefined for none.
 * @throws InvalidArgumentError naming `field` when it is not one
 */
export function decodeCursor(field: string, cursor: unknown, arity: number): string[] | undefined {
  if (cursor === undefined) return undefined;
  const bad = () =>
    new InvalidArgumentError(
      field,
      `must be a nextCursor returned by the previous page, got ${describeValue(cursor)}`,
    );
  if (typeof cursor !== "string" || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw bad();
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parts) || parts.length !== arity || parts.some((p) => typeof p !== "string"))
    throw bad();
  return parts as string[];
}

/** A page size in [1, max], `fallback` when undefined. */
export function pageLimit(field: string, limit: unknown, fallback: number, max: number): number {
  return limit === undefined ? fallback : assertInt(field, limit, 1, max);
}
