/**
 * What every adapter (`holdfast/express`, `holdfast/fastify`) shares about HTTP: the refusal it
 * answers (status, headers, the service's error body), and a signal for "the client went away".
 */
import type { ServerResponse } from "node:http";
import { isHoldfastError, type HoldfastError } from "../errors/holdfast-error.js";
import { toHttpError, type ErrorBody } from "../server/http-errors.js";

/**
 * A request the middleware refuses, as it will be answered: `status` (400 bad key, 409 lock held,
 * 429 limited, 503 store unreachable), the headers (`Retry-After`, `RateLimit`, `RateLimit-Policy`)
 * and the body in the Holdfast service's error shape, `{ error: { code, message, …fields } }`
 * (plus `requestId` when the framework has one). `error` is the typed error behind it.
 */
export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: Omit<ErrorBody, "requestId"> & { requestId?: string };
  error: HoldfastError;
}

/** The refusal for a Holdfast error, in the service's shape; `headers` are added to its own. */
export function refusalOf(error: HoldfastError, headers: Record<string, string> = {}): Refusal {
  const { status, body, retryAfterS } = toHttpError(error);
  const all = { ...headers };
  if (retryAfterS !== undefined && all["Retry-After"] === undefined) all["Retry-After"] = String(retryAfterS);
  return { status, headers: all, body, error };
}

/** The refusal for `e` when it is a Holdfast error (bad key, lock held, store down…), else undefined. */
export function refusalFor(e: unknown): Refusal | undefined {
  return isHoldfastError(e) ? refusalOf(e) : undefined;
}

/** The body with the framework's request id, when it has one. */
export function bodyWithId(refusal: Refusal, requestId: unknown): Refusal["body"] {
  return typeof requestId === "string" && requestId !== "" ? { ...refusal.body, requestId } : refusal.body;
}

/** The reason the client-gone signal aborts with. */
export function clientClosedReason(): DOMException {
  return new DOMException("The client closed the connection before the response was complete.", "AbortError");
}

/**
 * Watches a response: `closed` settles once it is finished or its connection is gone (`close`),
 * and `gone` aborts when the connection closed before the response was complete.
 */
export function watchResponse(res: ServerResponse): { gone: AbortSignal; closed: Promise<void> } {
  const controller = new AbortController();
  if (res.closed || res.destroyed) {
    if (!res.writableFinished) controller.abort(clientClosedReason());
    return { gone: controller.signal, closed: Promise.resolve() };
  }
  const closed = new Promise<void>((resolve) => {
    res.once("close", () => {
      if (!res.writableFinished) controller.abort(clientClosedReason());
      resolve();
    });
  });
  return { gone: controller.signal, closed };
}

/** A signal that aborts when any of `signals` does, with its reason. */
export function anySignal(signals: readonly AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  const stop: (() => void)[] = [];
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    const onAbort = () => {
      controller.abort(s.reason);
      for (const off of stop) off();
    };
    s.addEventListener("abort", onAbort, { once: true });
    stop.push(() => s.removeEventListener("abort", onAbort));
  }
  if (controller.signal.aborted) for (const off of stop) off();
  return controller.signal;
}

/** A user callback (key, skip, cost), awaited; a rejection goes to the framework's error handler. */
export type MaybePromise<T> = T | Promise<T>;
