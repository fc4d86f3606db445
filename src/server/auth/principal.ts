/** Who is calling: resolved from the API key on every request. */
export interface Principal {
  /** The key's id, or `open` when the server runs without keys (loopback only). */
  keyId: string;
  role: "client" | "admin";
  /** Tenants the key may act for; `["*"]` means any. */
  tenants: string[];
  /** The tenant this request acts for (validated against `tenants`). */
  tenant: string;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    scope?: "public" | "client" | "admin";
  }
}
