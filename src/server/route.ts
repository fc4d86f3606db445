import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { HttpError } from "./http-errors.js";
import type { Principal } from "./auth/principal.js";

export type Scope = "public" | "client" | "admin" | "operator";

/** One HTTP route: its schemas are the single source of request validation and of the OpenAPI doc. */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify path, e.g. `/v1/locks/:key/acquire`. */
  url: string;
  /** OpenAPI tag (one per primitive). */
  tag: string;
  summary: string;
  description?: string;
  /** Who may call it: no key, any key of the tenant (`client`), an admin key, or an operator key. */
  scope: Scope;
  params?: P;
  query?: Q;
  body?: B;
  /** Documented responses: status → description (and optional schema). */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (ctx: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    principal: Principal;
    request: FastifyRequest;
    reply: FastifyReply;
  }) => Promise<unknown>;
}

type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

/** The routes registered so far, for the OpenAPI document. */
export class RouteRegistry {
  readonly routes: AnyRoute[] = [];
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  const r = schema.safeParse(value ?? (where === "body" ? undefined : {}));
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = [where, ...issue.path.map(String)].join(".");
  throw new HttpError(400, "HOLDFAST_INVALID_ARGUMENT", `Invalid ${field}: ${issue.message}.`, {
    field,
    reason: issue.message,
  });
}

/**
 * Registers `spec` on `app`: validates params, query and body with its zod schemas (400 naming
 * the field on failure, before the handler runs), checks the scope, then calls the handler.
 */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  app: FastifyInstance,
  registry: RouteRegistry,
  spec: RouteSpec<P, Q, B>,
): void {
  registry.routes.push(spec as unknown as AnyRoute);
  app.route({
    method: spec.method,
    url: spec.url,
    config: { scope: spec.scope },
    handler: async (request, reply) => {
      const params = parse(spec.params, request.params, "params");
      const query = parse(spec.query, request.query, "query");
      const body = parse(spec.body, request.body, "body");
      const result = await spec.handler({
        params,
        query,
        body,
        principal: request.principal,
        request,
        reply,
      });
      if (reply.sent) return reply;
      return result;
    },
  });
}

const toSchema = (s: z.ZodType) =>
  z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;

/** Builds the OpenAPI 3.1 document from the registered routes. */
export function openApiDocument(
  registry: RouteRegistry,
  info: { title: string; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of registry.routes) {
    const path = r.url.replace(/:(\w+)/g, "{$1}");
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ["path", r.params],
      ["query", r.query],
    ] as const) {
      if (!schema) continue;
      const json = toSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === "path" || (json.required ?? []).includes(name),
          schema: prop,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = {
        description: res.description,
        ...(res.schema ? { content: { "application/json": { schema: toSchema(res.schema) } } } : {}),
      };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      ...(r.scope === "public" ? { security: [] } : {}),
      ...(r.scope === "admin" || r.scope === "operator" ? { "x-holdfast-scope": r.scope } : {}),
      parameters,
      ...(r.body
        ? { requestBody: { required: true, content: { "application/json": { schema: toSchema(r.body) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API key from `holdfast keys create`" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
  };
}
