import { z } from "zod";
import { metricsText } from "../metrics.js";
import type { Readiness } from "../readiness.js";
import { HOLDFAST_VERSION } from "../../version.js";
import type { ServerContext } from "../context.js";
import { routeGroup, openApiDocument } from "../route.js";
import { docsPage, DOCS_PAGE_CSP } from "../docs-page.js";
import { livenessReply, openApiReply, readinessReply } from "../replies/operations.js";

/** Liveness, readiness, metrics and the API description. */
export function registerHealthRoutes(ctx: ServerContext, readiness: Readiness): void {
  const route = routeGroup(ctx, "operations");
  route({
    method: "GET",
    url: "/healthz",
    operationId: "getHealth",
    scope: "public",
    summary: "Liveness: the process is up",
    responses: { 200: { description: "Up", schema: livenessReply } },
    handler: async () => ({ status: "ok" }),
  });
  route({
    method: "GET",
    url: "/readyz",
    operationId: "getReadiness",
    scope: "public",
    summary: "Readiness: the store answers (last probe, at most 1 s old), keys exist, not shutting down",
    description:
      "Answers within 250 ms whether the store is up or down: the last probe is reused for 1 s and a request waits at most 200 ms for a fresh one. 503 `draining` from the moment shutdown begins, so a load balancer stops sending traffic before the listener closes; 503 `unavailable` when the store is unreachable or a service that requires keys has none left (`problems` says which).",
    responses: {
      200: { description: "Ready", schema: readinessReply },
      503: {
        description: "Unavailable or draining (`problems` says why)",
        schema: readinessReply,
        headers: ["Retry-After"],
      },
    },
    handler: async ({ reply }) => {
      const report = await readiness.report();
      if (report.status !== "ready") void reply.code(503).header("retry-after", "1");
      return report;
    },
  });
  route({
    method: "GET",
    url: "/metrics",
    operationId: "getMetrics",
    scope: "operator",
    summary:
      "Prometheus metrics of every tenant (operator key, admin key of every tenant, or open on loopback)",
    responses: {
      200: { description: "Prometheus text format", schema: z.string(), contentType: "text/plain" },
    },
    handler: async ({ reply }) => {
      const { contentType, text } = await metricsText();
      void reply.type(contentType);
      return text;
    },
  });
  route({
    method: "GET",
    url: "/openapi.json",
    operationId: "getOpenApiDocument",
    scope: "public",
    summary: "This API's OpenAPI 3.1 document",
    responses: { 200: { description: "OpenAPI document", schema: openApiReply } },
    handler: async () => openApiDocument(ctx.registry, { title: "Holdfast", version: HOLDFAST_VERSION }),
  });
  route({
    method: "GET",
    url: "/docs",
    operationId: "getApiDocsPage",
    scope: "public",
    summary: "A human-readable page of the API",
    responses: { 200: { description: "HTML", schema: z.string(), contentType: "text/html" } },
    handler: async ({ reply }) => {
      void reply.type("text/html; charset=utf-8").header("content-security-policy", DOCS_PAGE_CSP);
      return docsPage(openApiDocument(ctx.registry, { title: "Holdfast", version: HOLDFAST_VERSION }));
    },
  });
}
