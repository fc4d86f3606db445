import { HoldfastError } from "./holdfast-error.js";

/** What an error's builder makes of its constructor's arguments. */
export interface ErrorParts<F extends object> {
  /** The message: what happened and what to do next. */
  message: string;
  /** The structured fields, set on the error in this order (and listed so by `toJSON`). */
  fields: F;
  /** Passed to `Error` as it is (`cause`). */
  options?: { cause?: unknown };
}

/** A class made by {@link defineError}: `new` it with its builder's arguments. */
export type HoldfastErrorClass<C extends string, A extends unknown[], F extends object> = new (
  ...args: A
) => HoldfastError & Readonly<F> & { readonly code: C };

/**
 * Makes the base class of one error kind, as Fastify's `createError` does: a stable `code`, and a
 * builder that turns the constructor's arguments into the message and the fields. Extend it with a
 * named class, which sets `name`, carries the doc comment and is what callers `instanceof`:
 *
 * @example
 * class ItemNotFoundError extends defineError("HOLDFAST_ITEM_NOT_FOUND", (item: string) => ({
 *   message: `Item "${item}" does not exist: call defineItem("${item}", { stock }) first.`,
 *   fields: { item },
 * })) {}
 */
export function defineError<const C extends string, A extends unknown[], F extends object>(
  code: C,
  build: (...args: A) => ErrorParts<F>,
): HoldfastErrorClass<C, A, F> {
  class DefinedError extends HoldfastError {
    readonly code: C = code;
    constructor(...args: A) {
      const { message, fields, options } = build(...args);
      super(message, options);
      Object.assign(this, fields);
    }
  }
  return DefinedError as unknown as HoldfastErrorClass<C, A, F>;
}

/**
 * The exported guard of an error class: `isItemNotFoundError(e)` is `e instanceof ItemNotFoundError`,
 * typed as a type guard.
 */
export function guardOf<T>(cls: abstract new (...args: never[]) => T): (e: unknown) => e is T {
  return (e: unknown): e is T => e instanceof cls;
}
