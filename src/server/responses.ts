/**
 * What each route may answer: the responses it declares, plus the ones every route of its kind can
 * give (400 for bad input, 401/403 for keys, 413/415 for bodies, 503 when the store is unreachable,
 * 500 for a bug). One function, used by the OpenAPI document and by the reply check of the tests.
 */
import type { z } from "zod";
import { errorReply } from "./replies/common.js";
import type { RouteSpec } from "./route.js";

/** Response headers a route may document (x-request-id is on every response). */
export type ResponseHeader = "RateLimit" | "RateLimit-Policy" | "Retry-After";

/** One documented response of a route. */
export interface ResponseSpec {
  description: string;
  /** The body's schema: the OpenAPI document shows it, the HTTP tests check every reply against it. */
  schema: z.ZodType;
  /** @defaultValue "application/json" */
  contentType?: "application/json" | "text/plain" | "text/html" | "text/event-stream";
  /** Headers this response may carry besides x-request-id (429 and 503 always document Retry-After). */
  headers?: readonly ResponseHeader[];
}

/** A response shared by many routes: documented once under `components.responses.<name>`. */
export interface SharedResponse extends ResponseSpec {
  name: string;
}

const shared = (name: string, description: string, headers?: ResponseHeader[]): SharedResponse => ({
  name,
  description,
  schema: errorReply,
  ...(headers ? { headers } : {}),
});

/** The responses routes get without declaring them, by status. */
export const COMMON_RESPONSES = {
  400: shared("InvalidInput", "Invalid input: `field` names it and `reason` says why; nothing was changed"),
  401: shared("Unauthenticated", "No API key, or an unknown or revoked one"),
  403: shared("Forbidden", "The key's role or tenant does not allow this"),
  413: shared("BodyTooLarge", "The body is larger than the server accepts"),
  415: shared("UnsupportedMediaType", "The body is not `application/json`"),
  500: shared("InternalError", "A bug: the body only names the request id to look up in the server log"),
  503: shared("StoreUnavailable", "The store is unreachable: nothing was done; retry later", ["Retry-After"]),
} as const satisfies Record<number, SharedResponse>;

type AnyRoute = Pick<
  RouteSpec<z.ZodType, z.ZodType, z.ZodType>,
  "method" | "responses" | "scope" | "params" | "query" | "body"
>;

/** Every response `route` may give, by status: its own, then the common ones that apply to it. */
export function documentedResponses(route: AnyRoute): Map<number, ResponseSpec | SharedResponse> {
  const out = new Map<number, ResponseSpec | SharedResponse>();
  for (const [status, spec] of Object.entries(route.responses)) out.set(Number(status), spec);
  const add = (status: keyof typeof COMMON_RESPONSES, when: unknown) => {
    if (when && !out.has(status)) out.set(status, COMMON_RESPONSES[status]);
  };
  const keyed = route.scope !== "public";
  // A request with a body is parsed whether or not the route reads one (malformed JSON is a 400).
  const bodied = route.method !== "GET";
  // Keyed routes read the x-holdfast-tenant header, which can be malformed too.
  add(400, keyed || bodied || route.params || route.query);
  add(401, keyed);
  add(403, keyed);
  add(413, bodied);
  add(415, bodied);
  add(503, keyed);
  add(500, true);
  return new Map([...out].sort(([a], [b]) => a - b));
}

/** The headers a response documents: its own, and Retry-After on every 429 and 503. */
export function headersOf(status: number, spec: ResponseSpec): ResponseHeader[] {
  const headers = new Set(spec.headers ?? []);
  if (status === 429 || status === 503) headers.add("Retry-After");
  return [...headers];
}
