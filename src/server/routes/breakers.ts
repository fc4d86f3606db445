import { z } from "zod";
import { CircuitBreaker } from "../../breaker/index.js";
import type { ServerContext } from "../context.js";
import { routeGroup } from "../route.js";
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
  /** Runs `act` on the tenant's breaker `name`, then replies with the breaker's state after it. */
  const stateAfter = async (tenant: string, name: string, act: (b: CircuitBreaker) => Promise<void>) => {
    const b = breaker(tenant, name);
    await act(b);
    return { name, state: b.toJSON() };
  };

  route({
    method: "GET",
    url: "/v1/breakers/:name",
    operationId: "getBreaker",
    scope: "client",
    summary: "The breaker's shared state (closed, open, half-open, isolated)",
    params: nameParams,
    responses: { 200: { description: "State", schema: breakerReply } },
    handler: ({ params, principal }) => stateAfter(principal.tenant, params.name, (b) => b.sync()),
  });
  route({
    method: "POST",
    url: "/v1/breakers/:name/trip",
    operationId: "tripBreaker",
    scope: "admin",
    summary: "Open the breaker for every instance (for `durationMs`, or its current backoff)",
    params: nameParams,
    body: z.object({ durationMs: durationMs.optional() }).default({}),
    responses: { 200: { description: "Tripped", schema: breakerReply } },
    handler: ({ params, body, principal }) =>
      stateAfter(principal.tenant, params.name, (b) => b.trip(body.durationMs)),
  });
  route({
    method: "POST",
    url: "/v1/breakers/:name/isolate",
    operationId: "isolateBreaker",
    scope: "admin",
    summary: "Hold the breaker open until reset (maintenance)",
    params: nameParams,
    responses: { 200: { description: "Isolated", schema: breakerReply } },
    handler: ({ params, principal }) => stateAfter(principal.tenant, params.name, (b) => b.isolate()),
  });
  route({
    method: "POST",
    url: "/v1/breakers/:name/reset",
    operationId: "resetBreaker",
    scope: "admin",
    summary: "Close the breaker for every instance",
    params: nameParams,
    responses: { 200: { description: "Closed", schema: breakerReply } },
    handler: ({ params, principal }) => stateAfter(principal.tenant, params.name, (b) => b.reset()),
  });
}
