import { z } from "zod";
import { mintApiKey, type ApiKeyRecord } from "../auth/api-keys.js";
import type { KeyStore } from "../auth/key-store.js";
import type { Principal } from "../auth/principal.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../http-errors.js";
import { routeGroup } from "../route.js";
import { errorResponse, plainText } from "../routes/common.js";
import { keyCreatedReply, keyListReply, keyRevokedReply } from "../replies/dashboard.js";

/** A key as listed: never its hash, never its secret. */
function keyJson(r: ApiKeyRecord, principal: Principal) {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    tenants: r.tenants,
    createdAt: r.createdAt,
    ...(r.revokedAt !== undefined ? { revokedAt: r.revokedAt } : {}),
    current: r.id === principal.keyId,
  };
}

/** Keys that may act for `tenant` (theirs, or every tenant's). */
const servesTenant = (r: ApiKeyRecord, tenant: string) =>
  r.tenants.includes("*") || r.tenants.includes(tenant);

/** Whether `principal` may revoke `r`: only keys whose every tenant is one of its own. */
function mayRevoke(principal: Principal, r: ApiKeyRecord): boolean {
  if (principal.tenants.includes("*")) return true;
  return !r.tenants.includes("*") && r.tenants.every((t) => principal.tenants.includes(t));
}

const keyName = plainText(64);

/**
 * `/v1/keys` (admin): the API keys of the tenant the request acts for. Create makes a key for that
 * tenant only and answers its secret once (only its SHA-256 is stored); revoke marks a key revoked,
 * which every server honours within `HOLDFAST_KEY_CACHE_MS`. An admin revokes only keys confined
 * to tenants it serves, so a tenant's admin can never lock out another tenant's keys.
 */
export function registerKeyRoutes(ctx: ServerContext, keyStore: KeyStore): void {
  const route = routeGroup(ctx, "keys");

  route({
    method: "GET",
    url: "/v1/keys",
    operationId: "listApiKeys",
    scope: "admin",
    summary: "List the API keys that may act for this tenant (admin; never secrets or hashes)",
    responses: { 200: { description: "The keys that may act for this tenant", schema: keyListReply } },
    handler: async ({ principal }) => {
      const all = await keyStore.list();
      return {
        tenant: principal.tenant,
        keys: all.filter((r) => servesTenant(r, principal.tenant)).map((r) => keyJson(r, principal)),
      };
    },
  });

  route({
    method: "POST",
    url: "/v1/keys",
    operationId: "createApiKey",
    scope: "admin",
    summary: "Create an API key for this tenant (admin); the answer carries its secret, once",
    body: z.object({ name: keyName, role: z.enum(["client", "admin"]) }),
    responses: {
      201: { description: "Created: `key` is shown this once", schema: keyCreatedReply },
      400: errorResponse("Invalid name or role"),
    },
    handler: async ({ body, principal, reply }) => {
      const { key, record } = mintApiKey({ name: body.name, role: body.role, tenants: [principal.tenant] });
      await keyStore.put(record);
      void reply.code(201).header("cache-control", "no-store");
      return { key, ...keyJson(record, principal) };
    },
  });

  route({
    method: "POST",
    url: "/v1/keys/:id/revoke",
    operationId: "revokeApiKey",
    scope: "admin",
    summary: "Revoke an API key (admin): refused on every server within the key cache time",
    params: z.object({ id: z.string().regex(/^[0-9a-f]{12}$/, "must be a key id (12 hex digits)") }),
    responses: {
      200: { description: "Revoked (or already revoked)", schema: keyRevokedReply },
      403: errorResponse("The key also serves a tenant this admin does not"),
      404: errorResponse("No such key for this tenant"),
    },
    handler: async ({ params, principal }) => {
      const record = await keyStore.get(params.id);
      if (!record || !servesTenant(record, principal.tenant)) {
        throw new HttpError(
          404,
          "HOLDFAST_KEY_NOT_FOUND",
          `No API key ${params.id} for tenant "${principal.tenant}".`,
        );
      }
      if (!mayRevoke(principal, record)) {
        throw new HttpError(
          403,
          "HOLDFAST_FORBIDDEN",
          "This key also serves tenants this admin key does not: revoke it with an admin key of all of them, or with `holdfast keys revoke`.",
        );
      }
      const revokedAt = record.revokedAt ?? Date.now();
      if (record.revokedAt === undefined) await keyStore.put({ ...record, revokedAt });
      return { id: record.id, revoked: true, revokedAt };
    },
  });
}
