/** `holdfast/server`: embed the Holdfast service in your own process. */
export { buildApp, type AppOptions } from "./app.js";
export { startServer, keyStoreFor, type RunningServer } from "./serve.js";
export { resolveServeConfig, CONFIG_VARIABLES, DEFAULT_SERVE_CONFIG, type ServeConfig } from "./config.js";
export { FileKeyStore, StoreKeyStore, type KeyStore } from "./auth/key-store.js";
export { mintApiKey, type ApiKeyRecord } from "./auth/api-keys.js";
export { HttpError, toHttpError } from "./http-errors.js";
