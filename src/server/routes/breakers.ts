import { z } from "zod";
import { CircuitBreaker } from "../../breaker/index.js";
import type { ServerContext } from "../context.js";
import { routeGroup, type GroupRouteSpec } from "../route.js";
import { durationMs, nameParam } from "./common.js";
import { breakerReply } from "../replies/limits.js";

const nameParams = z.object({ name: nameParam });

/**
 * `/v1/breakers/:name`: read and steer breakers shared through the store. A library process using
 * `new CircuitBreaker({ name, store })` on the same store and tenant sees a trip or reset made here
 * within its `syncIntervalMs`.
 */
export function registerBreakerRoutes(ctx: ServerContext): void {
  const route = routeGroup(ctx, "breakers");
  const breaker = (tenant: string, name: string) =>
    ctx.perTenant(`breaker:${name}`, tenant, (store) => new CircuitBreaker({ name, store }));

  /** A route that runs `act` on the breaker named in the URL, then answers its state (`answered`). */
  const breakerRoute = <B extends z.ZodType = z.ZodUndefined>({
    answered,
    act,
    ...spec
  }: Omit<GroupRouteSpec<undefined, typeof nameParams, z.ZodType, B>, "params" | "responses" | "handler"> & {
    answered: string;
    act: (b: CircuitBreaker, body: z.output<B>) => Promise<void>;
  }) =>
    route({
      ...spec,
      params: nameParams,
      responses: { 200: { description: answered, schema: breakerReply } },
      handler: async ({ params, body, principal }) => {
        const b = breaker(principal.tenant, params.name);
        await act(b, body);
        return { name: params.name, state: b.toJSON() };
      },
    });

  breakerRoute({
    method: "GET",
    url: "/v1/breakers/:name",
    operationId: "getBreaker",
    scope: "client",
    summary: "The breaker's shared state (closed, open, half-open, isolated)",
    answered: "State",
    act: (b) => b.sync(),
  });
  breakerRoute({
    method: "POST",
    url: "/v1/breakers/:name/trip",
    operationId: "tripBreaker",
    scope: "admin",
    summary: "Open the breaker for every instance (for `durationMs`, or its current backoff)",
    body: z.object({ durationMs: durationMs.optional() }).default({}),
    answered: "Tripped",
    act: (b, body) => b.trip(body.durationMs),
  });
  breakerRoute({
    method: "POST",
    url: "/v1/breakers/:name/isolate",
    operationId: "isolateBreaker",
    scope: "admin",
    summary: "Hold the breaker open until reset (maintenance)",
    answered: "Isolated",
    act: (b) => b.isolate(),
  });
  breakerRoute({
    method: "POST",
    url: "/v1/breakers/:name/reset",
    operationId: "resetBreaker",
    scope: "admin",
    summary: "Close the breaker for every instance",
    answered: "Closed",
    act: (b) => b.reset(),
  });
}
