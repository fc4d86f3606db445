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
 * Status codes by error code suffix: primitives' errors map by what they mean, not by class, so a
 * new primitive's errors get the right status without touching this file: `…_NOT_FOUND` 404,
 * `…_CONFLICT`, `…_NOT_OWNED`, `…_EXPIRED`, `…_VERSION…`, `…_UNAVAILABLE_QUANTITY` 409, rate limits 429.
 */
const STATUS_BY_PATTERN: [RegExp, number][] = [
  [/_NOT_FOUND$|^HOLDFAST_UNKNOWN_/, 404],
  [/RATE_LIMIT|_LIMITED$/, 429],
  [
    /CONFLICT|NOT_OWNED|EXPIRED|VERSION|INSUFFICIENT|EXISTS|ALREADY|FULL|INVALID_TRANSITION|RELEASED|COMMITTED|BLOCKED|BROKEN|LIMIT/,
    409,
  ],
];

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
    const status = STATUS_BY_PATTERN.find(([re]) => re.test(e.code))?.[1] ?? 409;
    const retryAfterMs = typeof json.retryAfterMs === "number" ? json.retryAfterMs : undefined;
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
