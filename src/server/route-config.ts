import type { FastifyRequest } from "fastify";

/** A route's config as Fastify keeps it: the options given at registration, plus its url and method. */
export type RouteConfig = FastifyRequest["routeOptions"]["config"];

declare module "fastify" {
  interface FastifyRequest {
    /** Set by {@link routeConfigOf} on first use. */
    holdfastRouteConfig: RouteConfig | undefined;
  }
}

/**
 * `request.routeOptions.config`, read once per request: Fastify builds a new thirteen-field
 * `routeOptions` object on every read, and the service's hooks (auth, metrics, dashboard) each
 * need the route's scope or url. `config.url` is the route's path, as `routeOptions.url`.
 */
export function routeConfigOf(request: FastifyRequest): RouteConfig {
  return (request.holdfastRouteConfig ??= request.routeOptions.config);
}
