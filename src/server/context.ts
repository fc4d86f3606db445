import type { FastifyInstance } from "fastify";
import { LRUCache } from "lru-cache";
import { namespacedStore } from "../store/namespaced-store.js";
import type { Store } from "../store/types.js";
import type { Logger } from "../util/log.js";
import type { RouteRegistry } from "./route.js";
import { DEFAULT_SERVICE_LIMITS, type ServiceLimits } from "./limits.js";
import { tenantNamespace } from "./tenants.js";

/** Per-tenant objects (managers over the tenant's store) kept at once; the least recently used go first. */
export const MAX_CACHED_TENANT_OBJECTS = 4096;

/** Something a cache may hold that owns a timer or a connection: closed when it is dropped. */
interface Closable {
  close(): unknown;
}

function closeIfClosable(v: unknown): void {
  if (typeof v === "object" && v !== null && typeof (v as Closable).close === "function") {
    void Promise.resolve((v as Closable).close()).catch(() => undefined);
  }
}

/**
 * What route modules get: the app, the route registry, the base store and a per-tenant view of it.
 * Every key a tenant touches lives under `<prefix>t:<encoded tenant>:` ({@link tenantNamespace}), so
 * no id a tenant sends can reach another tenant's keys. The objects built per tenant are cached in
 * a size-bounded LRU: they hold no state of their own that the store does not have, so one that is
 * dropped is simply built again.
 */
export class ServerContext {
  private readonly tenants = new LRUCache<string, Store>({ max: MAX_CACHED_TENANT_OBJECTS });
  private readonly cache = new LRUCache<string, object>({
    max: MAX_CACHED_TENANT_OBJECTS,
    dispose: (v) => closeIfClosable(v),
  });
  readonly limits: ServiceLimits;
  /** What the last {@link perTenant} call returned (the cache's most recently used entry). */
  private last: { kind: string; tenant: string; value: object } | undefined;

  constructor(
    readonly app: FastifyInstance,
    readonly registry: RouteRegistry,
    readonly store: Store,
    readonly logger: Logger,
    limits: Partial<ServiceLimits> = {},
  ) {
    this.limits = { ...DEFAULT_SERVICE_LIMITS, ...limits };
  }

  /** The store view of `tenant` (cached). */
  tenantStore(tenant: string): Store {
    let s = this.tenants.get(tenant);
    if (!s) {
      s = namespacedStore(this.store, tenantNamespace(tenant));
      this.tenants.set(tenant, s);
    }
    return s;
  }

  /**
   * A per-tenant object (e.g. a lock manager) built once per `kind` and tenant and cached (LRU);
   * one with a `close()` is closed when it leaves the cache.
   */
  perTenant<T extends object>(kind: string, tenant: string, make: (store: Store, tenant: string) => T): T {
    const last = this.last;
    // The entry the previous call got or made is the cache's most recent, and nothing has touched
    // the cache since: getting it again would move nothing, so it is returned without the lookup.
    if (last !== undefined && last.kind === kind && last.tenant === tenant) return last.value as T;
    this.last = undefined;
    const key = `${kind}\u0000${tenant}`;
    let v = this.cache.get(key) as T | undefined;
    if (v === undefined) {
      v = make(this.tenantStore(tenant), tenant);
      this.cache.set(key, v);
    }
    this.last = { kind, tenant, value: v };
    return v;
  }

  /** Objects cached (tenant views, per-tenant objects): bounded by {@link MAX_CACHED_TENANT_OBJECTS} each. */
  get cacheSizes(): { tenants: number; objects: number } {
    return { tenants: this.tenants.size, objects: this.cache.size };
  }
}
