/**
 * The service's per-tenant and per-key bounds: what one caller can make the server hold. Each is
 * also a `holdfast serve` setting (see `CONFIG_VARIABLES`), and docs/security.md says what happens
 * at each.
 */
export interface ServiceLimits {
  /**
   * Channels one tenant may have (with a history or used within the last `maxAgeMs` of the channel
   * defaults, 24 h); a publish to a new channel past it is refused with 429 `HOLDFAST_TENANT_QUOTA`.
   * @defaultValue 1000
   */
  maxChannelsPerTenant: number;
  /** Event sources one tenant may write to; past it a new source is refused (429). @defaultValue 1000 */
  maxEventSourcesPerTenant: number;
  /** Open WebSocket connections per API key (sockets from its tokens included); past it, close 4029. @defaultValue 1000 */
  maxWsConnectionsPerKey: number;
  /** Open WebSocket connections per tenant; past it, close 4029. @defaultValue 5000 */
  maxWsConnectionsPerTenant: number;
}

export const DEFAULT_SERVICE_LIMITS: ServiceLimits = {
  maxChannelsPerTenant: 1000,
  maxEventSourcesPerTenant: 1000,
  maxWsConnectionsPerKey: 1000,
  maxWsConnectionsPerTenant: 5000,
};

export { MAX_JSON_DEPTH } from "../util/json-depth.js";
