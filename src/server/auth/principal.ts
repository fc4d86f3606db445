import type { Role } from "./api-keys.js";
import type { AuthScope } from "./authenticator.js";

/** Who is calling: resolved from the API key on every request. */
export interface Principal {
  /** The key's id, or `open` when the server runs without keys (loopback only). */
  keyId: string;
  role: Role;
  /** Tenants the key may act for; `["*"]` means any; `[]` for an operator key. */
  tenants: string[];
  /** The tenant this request acts for (validated against `tenants`); `""` on an operator route. */
  tenant: string;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    scope?: AuthScope;
  }
}
