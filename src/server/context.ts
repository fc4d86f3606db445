import type { FastifyInstance } from "fastify";
import { namespacedStore } from "../store/namespaced-store.js";
import type { Store } from "../store/types.js";
import type { Logger } from "../util/log.js";
import type { RouteRegistry } from "./route.js";

/**
 * What route modules get: the app, the route registry, the base store and a per-tenant view of it.
 * Every key a tenant touches lives under `<prefix>t:<tenant>:`, so no id a tenant sends can reach
 * another tenant's keys.
 */
export class ServerContext {
  private readonly tenants = new Map<string, Store>();

  constructor(
    readonly app: FastifyInstance,
    readonly registry: RouteRegistry,
    readonly store: Store,
    readonly logger: Logger,
  ) {}

  /** The store view of `tenant` (cached). */
  tenantStore(tenant: string): Store {
    let s = this.tenants.get(tenant);
    if (!s) {
      s = namespacedStore(this.store, `t:${tenant}:`);
      this.tenants.set(tenant, s);
    }
    return s;
  }

  /** A per-tenant object (e.g. a lock manager) built once per tenant and cached. */
  perTenant<T>(kind: string, tenant: string, make: (store: Store) => T): T {
    const key = `${kind}\u0000${tenant}`;
    let v = this.cache.get(key) as T | undefined;
    if (v === undefined) {
      v = make(this.tenantStore(tenant));
      this.cache.set(key, v);
    }
    return v;
  }
  private readonly cache = new Map<string, unknown>();
}
