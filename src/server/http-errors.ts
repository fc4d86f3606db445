import type { FastifyReply } from "fastify";
import { HoldfastError } from "../errors/holdfast-error.js";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";
import {
  CrossSlotError,
  StoreClosedError,
  StoreTimeoutError,
  StoreUnavailableError,
} from "../errors/store-errors.js";

/** The JSON body of every error response. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    /** For 400: the offending field (dotted path) and why. */
    field?: string;
    reason?: string;
    [extra: string]: unknown;
  };
  requestId: string;
}

/** An HTTP-only error (unknown route, missing key…) with its status and a stable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * The HTTP status of every library error code. One table, so the mapping is reviewable in one
 * place; a test checks that every exported error code is in it.
 */
export const STATUS_BY_CODE: Record<string, number> = {
  HOLDFAST_INVALID_ARGUMENT: 400,
  HOLDFAST_CROSS_SLOT: 400,
  HOLDFAST_MACHINE_DEFINITION: 400,
  HOLDFAST_CHANNEL_PATTERN_UNSUPPORTED: 400,
  HOLDFAST_ITEM_NOT_FOUND: 404,
  HOLDFAST_HOLD_NOT_FOUND: 404,
  HOLDFAST_MACHINE_ENTITY_NOT_FOUND: 404,
  HOLDFAST_LOCK_CONFLICT: 409,
  HOLDFAST_LOCK_NOT_OWNED: 409,
  HOLDFAST_LOCK_CLOSED: 409,
  HOLDFAST_LOCK_LOST: 409,
  HOLDFAST_SEMAPHORE_FULL: 409,
  HOLDFAST_SEMAPHORE_PERMIT_NOT_HELD: 409,
  HOLDFAST_INSUFFICIENT_STOCK: 409,
  HOLDFAST_HOLDER_LIMIT: 409,
  HOLDFAST_STOCK_CAPACITY: 409,
  HOLDFAST_HOLD_EXPIRED: 409,
  HOLDFAST_HOLD_FINISHED: 409,
  HOLDFAST_VERSION_CONFLICT: 409,
  HOLDFAST_INVALID_TRANSITION: 409,
  HOLDFAST_GUARD_REJECTED: 409,
  HOLDFAST_MACHINE_ENTITY_EXISTS: 409,
  HOLDFAST_IDEMPOTENCY_KEY_REUSED: 409,
  HOLDFAST_WAITING_ROOM_FULL: 409,
  HOLDFAST_MESSAGE_TOO_LARGE: 413,
  HOLDFAST_CONCURRENCY_LIMIT: 429,
  HOLDFAST_RATE_LIMITED: 429,
  HOLDFAST_QUOTA_EXCEEDED: 429,
  HOLDFAST_BULKHEAD_REJECTED: 429,
  HOLDFAST_CONCURRENCY_PERMIT_LOST: 409,
  HOLDFAST_CIRCUIT_OPEN: 503,
  HOLDFAST_CIRCUIT_ISOLATED: 503,
  HOLDFAST_CHANNELS_CLOSED: 503,
  HOLDFAST_TASK_TIMEOUT: 504,
  HOLDFAST_STORE_FULL: 507,
  HOLDFAST_SCRIPT_ERROR: 500,
};

/** Maps any thrown value to a status and body; never leaks internals for unexpected errors. */
export function toHttpError(e: unknown): {
  status: number;
  body: Omit<ErrorBody, "requestId">;
  retryAfterS?: number;
} {
  if (e instanceof HttpError) {
    return { status: e.status, body: { error: { code: e.code, message: e.message, ...e.fields } } };
  }
  if (e instanceof InvalidArgumentError || e instanceof CrossSlotError) {
    const extra =
      e instanceof InvalidArgumentError ? { field: e.field, reason: e.reason } : { names: e.names };
    return { status: 400, body: { error: { code: e.code, message: e.message, ...extra } } };
  }
  if (e instanceof StoreUnavailableError || e instanceof StoreTimeoutError || e instanceof StoreClosedError) {
    return { status: 503, body: { error: { code: e.code, message: e.message } }, retryAfterS: 1 };
  }
  if (e instanceof HoldfastError) {
    const json = e.toJSON();
    const status = STATUS_BY_CODE[e.code] ?? 409;
    const wait = json.retryAfterMs ?? json.remainingOpenMs;
    const retryAfterMs = typeof wait === "number" && Number.isFinite(wait) ? wait : undefined;
    return {
      status,
      body: { error: { ...json, code: e.code, message: e.message } },
      ...(retryAfterMs !== undefined ? { retryAfterS: Math.max(1, Math.ceil(retryAfterMs / 1000)) } : {}),
    };
  }
  return {
    status: 500,
    body: {
      error: {
        code: "HOLDFAST_INTERNAL",
        message: "Internal error; see the server log for this request id.",
      },
    },
  };
}

export function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const { status, body, retryAfterS } = toHttpError(e);
  if (retryAfterS !== undefined) void reply.header("retry-after", String(retryAfterS));
  return reply.code(status).send({ ...body, requestId: reply.request.id });
}
