import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { HttpError } from "./http-errors.js";
import type { Principal } from "./auth/principal.js";
import type { ResponseSpec } from "./responses.js";
import type { ServerContext } from "./context.js";
import type { Store } from "../store/types.js";
import { fastParseOf } from "./fast-parse.js";

export { openApiDocument } from "./openapi.js";
export type { ResponseSpec } from "./responses.js";

export type Scope = "public" | "client" | "admin" | "operator";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route's OpenAPI operationId, to find its declared responses (see reply-check.ts). */
    operationId?: string;
  }
}

/** One HTTP route: its schemas are the single source of request validation and of the OpenAPI doc. */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify path, e.g. `/v1/locks/:key/acquire`. */
  url: string;
  /** OpenAPI tag (one per primitive). */
  tag: string;
  /**
   * The OpenAPI operationId: a stable, readable, unique camelCase verb phrase (`acquireLock`).
   * Generated clients name their methods after it, so never change one that has shipped.
   */
  operationId: string;
  summary: string;
  description?: string;
  /** Who may call it: no key, any key of the tenant (`client`), an admin key, or an operator key. */
  scope: Scope;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Every response the handler itself sends, with its body's schema (errors: `errorResponse()`).
   * 400/401/403/413/415/500/503 that every route of its kind can give are added (responses.ts).
   */
  responses: Record<number, ResponseSpec>;
  handler: (ctx: HandlerContext<P, Q, B>) => Promise<unknown>;
}

/** What a handler is given: the request's validated parts, who sent it, and the request and reply. */
export interface HandlerContext<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  principal: Principal;
  request: FastifyRequest;
  reply: FastifyReply;
}

type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

/** The routes registered so far, for the OpenAPI document and the reply check. */
export class RouteRegistry {
  readonly routes: AnyRoute[] = [];
  readonly byOperationId = new Map<string, AnyRoute>();

  add(route: AnyRoute): void {
    if (this.byOperationId.has(route.operationId)) {
      throw new Error(`Two routes have operationId "${route.operationId}": each must be unique.`);
    }
    this.routes.push(route);
    this.byOperationId.set(route.operationId, route);
  }
}

/** `schema`'s parse of one part of a request: its fast path (fast-parse.ts) first, then zod. */
function parser<T extends z.ZodType>(schema: T | undefined, where: "params" | "query" | "body") {
  if (!schema) return (): z.output<T> => undefined as z.output<T>;
  const fast = fastParseOf(schema);
  return (value: unknown): z.output<T> => {
    const input = value ?? (where === "body" ? undefined : {});
    const data = fast?.(input);
    return data !== undefined ? data : parse(schema, input, where);
  };
}

function parse<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const r = schema.safeParse(input);
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
  registry.add(spec as unknown as AnyRoute);
  const parseParams = parser(spec.params, "params");
  const parseQuery = parser(spec.query, "query");
  const parseBody = parser(spec.body, "body");
  app.route({
    method: spec.method,
    url: spec.url,
    config: { scope: spec.scope, operationId: spec.operationId },
    // Not an async function: a parse error thrown here reaches the error handler as a rejection
    // would (Fastify catches a handler's throw), and the handler's promise is not wrapped in another.
    handler: (request, reply) => {
      const params = parseParams(request.params);
      const query = parseQuery(request.query);
      const body = parseBody(request.body);
      return spec
        .handler({ params, query, body, principal: request.principal, request, reply })
        .then((result) => (reply.sent ? reply : result));
    },
  });
}

/** A route of a {@link routeGroup}: its tag is the group's; its handler also gets the tenant's `T`. */
export interface GroupRouteSpec<
  T,
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
> extends Omit<RouteSpec<P, Q, B>, "tag" | "handler"> {
  handler: (ctx: HandlerContext<P, Q, B>, tenant: T) => Promise<unknown>;
}

/** The tags whose groups make per-tenant objects, per context: two such groups would share a cache kind. */
const kindsClaimed = new WeakMap<ServerContext, Set<string>>();

function claimKind(ctx: ServerContext, tag: string): void {
  const claimed = kindsClaimed.get(ctx) ?? new Set<string>();
  if (claimed.has(tag)) {
    throw new Error(
      `Two route groups of tag "${tag}" make per-tenant objects: only one may (see routeGroup).`,
    );
  }
  kindsClaimed.set(ctx, claimed.add(tag));
}

/**
 * The definer of one group of routes (one OpenAPI `tag`, usually one primitive): it registers on
 * `ctx`'s app and registry under the group's tag. Given `make`, it hands every handler, as its second
 * argument, the calling tenant's object (e.g. its lock manager): made over the tenant's store on first
 * use and cached by the context under the group's tag (see `ServerContext.perTenant`: one group per
 * tag may have `make`), so no handler looks it up itself. A group with `make` holds no public route:
 * it reads the principal's tenant.
 *
 * @example
 * const route = routeGroup(ctx, "locks", (store) => createLocks(store));
 * route({ method: "GET", url: "/v1/locks/:key", …, handler: ({ params }, locks) => locks.get(params.key) });
 */
export function routeGroup<T extends object | undefined = undefined>(
  ctx: ServerContext,
  tag: string,
  make?: (store: Store, tenant: string) => T & object,
) {
  if (make) claimKind(ctx, tag);
  /** The calling tenant's object; a group without `make` has none (and reads no principal). */
  const tenantObject = ({ principal }: { principal: Principal }): T =>
    make ? ctx.perTenant(tag, principal.tenant, make) : (undefined as T);
  return <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: GroupRouteSpec<T, P, Q, B>) =>
    defineRoute(ctx.app, ctx.registry, {
      ...spec,
      tag,
      handler: (c) => spec.handler(c, tenantObject(c)),
    });
}
