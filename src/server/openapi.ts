/**
 * Builds the OpenAPI 3.1 document from the route registry: every operation with its operationId,
 * parameters, request body and every response (success and error) with its schema and headers.
 * Shapes marked `meta({ id })` (replies/*.ts) become `components.schemas`; the responses every
 * route of a kind shares become `components.responses`.
 */
import { z } from "zod";
import type { RouteRegistry } from "./route.js";
import {
  COMMON_RESPONSES,
  documentedResponses,
  headersOf,
  type ResponseHeader,
  type ResponseSpec,
  type SharedResponse,
} from "./responses.js";

type Json = Record<string, unknown>;

const HEADERS: Record<ResponseHeader | "X-Request-Id", Json> = {
  "X-Request-Id": {
    description:
      "The request's id (yours, if you sent a valid `x-request-id`); on every log line of the request",
    schema: { type: "string" },
  },
  "Retry-After": {
    description: "Whole seconds to wait before retrying (RFC 9110), rounded up",
    schema: { type: "integer", minimum: 0 },
  },
  RateLimit: {
    description:
      'Each limit\'s state (draft-ietf-httpapi-ratelimit-headers): `"<name>";r=<remaining>;t=<seconds until reset>`, comma-separated',
    schema: { type: "string" },
  },
  "RateLimit-Policy": {
    description: 'Each limit\'s policy: `"<name>";q=<quota>;w=<window in seconds>`, comma-separated',
    schema: { type: "string" },
  },
};

const SAFE = Number.MAX_SAFE_INTEGER;

/** JSON Schema of `schema` for the document; the shared shapes it uses are collected in `defs`. */
function jsonSchema(schema: z.ZodType, defs: Map<string, Json>): Json {
  const raw = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json;
  const tidy = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(tidy);
    if (node === null || typeof node !== "object") return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node as Json)) {
      if (k === "$schema" || k === "$defs" || k === "$id") continue;
      // z.number().int() says "a safe integer": true of every JSON integer here, so it is noise.
      if ((k === "minimum" && v === -SAFE) || (k === "maximum" && v === SAFE)) continue;
      if (k === "$ref" && typeof v === "string" && v.startsWith("#/$defs/")) {
        out.$ref = `#/components/schemas/${v.slice("#/$defs/".length)}`;
        continue;
      }
      out[k] = tidy(v);
    }
    return out;
  };
  for (const [id, def] of Object.entries((raw.$defs ?? {}) as Record<string, Json>)) {
    if (!defs.has(id)) defs.set(id, tidy(def) as Json);
  }
  return tidy(raw) as Json;
}

function responseObject(status: number, spec: ResponseSpec, defs: Map<string, Json>): Json {
  const headers: Json = { "x-request-id": { $ref: "#/components/headers/X-Request-Id" } };
  for (const h of headersOf(status, spec)) headers[h] = { $ref: `#/components/headers/${h}` };
  return {
    description: spec.description,
    headers,
    content: { [spec.contentType ?? "application/json"]: { schema: jsonSchema(spec.schema, defs) } },
  };
}

/** Builds the OpenAPI 3.1 document of every route in `registry`. */
export function openApiDocument(registry: RouteRegistry, info: { title: string; version: string }): Json {
  const defs = new Map<string, Json>();
  const paths: Record<string, Json> = {};
  const tags: string[] = [];
  for (const r of registry.routes) {
    if (!tags.includes(r.tag)) tags.push(r.tag);
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ["path", r.params],
      ["query", r.query],
    ] as const) {
      if (!schema) continue;
      const json = jsonSchema(schema, defs) as { properties?: Record<string, Json>; required?: string[] };
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        const { description, ...rest } = prop;
        parameters.push({
          name,
          in: where,
          required: where === "path" || (json.required ?? []).includes(name),
          ...(typeof description === "string" ? { description } : {}),
          schema: rest,
        });
      }
    }
    const responses: Json = {};
    for (const [status, spec] of documentedResponses(r)) {
      const common = (COMMON_RESPONSES as Record<number, SharedResponse>)[status];
      responses[String(status)] =
        spec === common
          ? { $ref: `#/components/responses/${common.name}` }
          : responseObject(status, spec, defs);
    }
    paths[r.url.replace(/:(\w+)/g, "{$1}")] ??= {};
    paths[r.url.replace(/:(\w+)/g, "{$1}")][r.method.toLowerCase()] = {
      operationId: r.operationId,
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      ...(r.scope === "public" ? { security: [] } : {}),
      "x-holdfast-scope": r.scope,
      parameters,
      ...(r.body
        ? {
            requestBody: {
              required: !r.body.safeParse(undefined).success,
              content: { "application/json": { schema: jsonSchema(r.body, defs) } },
            },
          }
        : {}),
      responses,
    };
  }
  const sharedResponses: Json = {};
  for (const [status, spec] of Object.entries(COMMON_RESPONSES)) {
    sharedResponses[spec.name] = responseObject(Number(status), spec, defs);
  }
  return {
    openapi: "3.1.0",
    info: {
      ...info,
      description:
        "Locks with fencing tokens, semaphores, rate limits, breakers, inventory holds, waiting rooms, sessions, state machines, events and channels over HTTP. Every error has one shape (`Error`) with a stable `code`; see docs/api.md.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: "/", description: "The server that serves this document" }],
    tags: tags.map((name) => ({ name })),
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
    components: {
      schemas: Object.fromEntries([...defs].sort(([a], [b]) => a.localeCompare(b))),
      responses: sharedResponses,
      headers: HEADERS,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API key from `holdfast keys create`" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
  };
}
