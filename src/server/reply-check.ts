/**
 * The reply check the HTTP tests run with (`buildApp({ checkReplies: true })`): every reply must be
 * a response its route documents (status, content type, body schema, no undocumented field), so
 * /openapi.json cannot drift from what the handlers send. A mismatch becomes a 500
 * `HOLDFAST_REPLY_MISMATCH` naming the route, the status and the problem, which fails the test.
 */
import type { FastifyInstance } from "fastify";
import { errorReply } from "./replies/common.js";
import { documentedResponses } from "./responses.js";
import type { RouteRegistry } from "./route.js";

/** The first place where `parsed` (the schema's output) dropped a field `sent` had, as a dotted path. */
function undocumentedField(sent: unknown, parsed: unknown, path: string): string | undefined {
  if (Array.isArray(sent) && Array.isArray(parsed)) {
    for (let i = 0; i < sent.length; i++) {
      const found = undocumentedField(sent[i], parsed[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (sent === null || parsed === null || typeof sent !== "object" || typeof parsed !== "object")
    return undefined;
  for (const [k, v] of Object.entries(sent)) {
    if (!(k in parsed)) return path ? `${path}.${k}` : k;
    const found = undocumentedField(v, (parsed as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (found) return found;
  }
  return undefined;
}

/** Why a reply does not match what its route documents, or undefined when it does. */
export function replyProblem(
  registry: RouteRegistry,
  operationId: string | undefined,
  status: number,
  contentType: string,
  payload: unknown,
): string | undefined {
  const route = operationId === undefined ? undefined : registry.byOperationId.get(operationId);
  const spec = route
    ? documentedResponses(route).get(status)
    : status >= 400
      ? { schema: errorReply }
      : undefined;
  if (!spec) return route ? `status ${status} is not documented` : undefined;
  const expected = ("contentType" in spec && spec.contentType) || "application/json";
  if (!contentType.startsWith(expected)) return `content type "${contentType}", documented "${expected}"`;
  let body: unknown = payload;
  if (expected === "application/json") {
    try {
      body = JSON.parse(typeof payload === "string" ? payload : String(payload));
    } catch {
      return "the body is not JSON";
    }
  }
  const r = spec.schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    return `body.${issue.path.join(".")}: ${issue.message}`;
  }
  const extra = undocumentedField(body, r.data, "");
  return extra === undefined ? undefined : `body.${extra} is not in the documented schema`;
}

/** Installs the reply check on `app` (tests only: it costs a parse and a validation per reply). */
export function installReplyCheck(app: FastifyInstance, registry: RouteRegistry): void {
  app.addHook("onSend", async (request, reply, payload) => {
    if (typeof payload !== "string" && !Buffer.isBuffer(payload)) return payload;
    const operationId = request.routeOptions.config?.operationId;
    const status = reply.statusCode;
    const problem =
      reply.getHeader("x-request-id") === undefined
        ? "no x-request-id header"
        : replyProblem(registry, operationId, status, String(reply.getHeader("content-type") ?? ""), payload);
    if (problem === undefined) return payload;
    const message = `Reply of ${operationId ?? request.url} (${status}) does not match its documentation: ${problem}`;
    request.log.error({ operationId, status, problem }, message);
    void reply.code(500).header("content-type", "application/json; charset=utf-8");
    return JSON.stringify({ error: { code: "HOLDFAST_REPLY_MISMATCH", message }, requestId: request.id });
  });
}
