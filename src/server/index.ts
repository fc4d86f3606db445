/** `holdfast/server`: embed the Holdfast service in your own process. */
export { buildApp, type AppOptions } from "./app.js";
export { startServer, keyStoreFor, authModeAtStart, type RunningServer } from "./serve.js";
export type { AuthMode } from "./auth/authenticator.js";
export { resolveServeConfig, CONFIG_VARIABLES, DEFAULT_SERVE_CONFIG, type ServeConfig } from "./config.js";
export { FileKeyStore, StoreKeyStore, type KeyStore } from "./auth/key-store.js";
export { mintApiKey, type ApiKeyRecord } from "./auth/api-keys.js";
export { HttpError, toHttpError } from "./http-errors.js";
export { tenantNamespace } from "./tenants.js";
