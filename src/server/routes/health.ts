import { z } from "zod";
import { holdfastRegistry } from "../../observe/metrics.js";
import { HOLDFAST_VERSION } from "../../version.js";
import type { ServerContext } from "../context.js";
import { defineRoute, openApiDocument } from "../route.js";
import { docsPage, DOCS_PAGE_CSP } from "../docs-page.js";
import { livenessReply, openApiReply, readinessReply } from "../replies/operations.js";

/** Liveness, readiness, metrics and the API description. */
export function registerHealthRoutes(ctx: ServerContext): void {
  const { app, registry, store } = ctx;
  defineRoute(app, registry, {
    method: "GET",
    url: "/healthz",
    operationId: "getHealth",
    tag: "operations",
    scope: "public",
    summary: "Liveness: the process is up",
    responses: { 200: { description: "Up", schema: livenessReply } },
    handler: async () => ({ status: "ok" }),
  });
  defineRoute(app, registry, {
    method: "GET",
    url: "/readyz",
    operationId: "getReadiness",
    tag: "operations",
    scope: "public",
    summary: "Readiness: the store answers, with its round-trip latency",
    responses: {
      200: { description: "Ready", schema: readinessReply },
      503: { description: "The store is unreachable", schema: readinessReply, headers: ["Retry-After"] },
    },
    handler: async ({ reply }) => {
      const health = await store.health();
      if (health.status !== "ok") void reply.code(503).header("retry-after", "1");
      return { status: health.status === "ok" ? "ready" : "unavailable", store: health };
    },
  });
  defineRoute(app, registry, {
    method: "GET",
    url: "/metrics",
    operationId: "getMetrics",
    tag: "operations",
    scope: "admin",
    summary: "Prometheus metrics (admin key, or open on loopback)",
    responses: {
      200: { description: "Prometheus text format", schema: z.string(), contentType: "text/plain" },
    },
    handler: async ({ reply }) => {
      void reply.type(holdfastRegistry.contentType);
      return holdfastRegistry.metrics();
    },
  });
  defineRoute(app, registry, {
    method: "GET",
    url: "/openapi.json",
    operationId: "getOpenApiDocument",
    tag: "operations",
    scope: "public",
    summary: "This API's OpenAPI 3.1 document",
    responses: { 200: { description: "OpenAPI document", schema: openApiReply } },
    handler: async () => openApiDocument(registry, { title: "Holdfast", version: HOLDFAST_VERSION }),
  });
  defineRoute(app, registry, {
    method: "GET",
    url: "/docs",
    operationId: "getApiDocsPage",
    tag: "operations",
    scope: "public",
    summary: "A human-readable page of the API",
    responses: { 200: { description: "HTML", schema: z.string(), contentType: "text/html" } },
    handler: async ({ reply }) => {
      void reply.type("text/html; charset=utf-8").header("content-security-policy", DOCS_PAGE_CSP);
      return docsPage(openApiDocument(registry, { title: "Holdfast", version: HOLDFAST_VERSION }));
    },
  });
}
