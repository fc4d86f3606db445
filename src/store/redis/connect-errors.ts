/** A connection error that waiting will not cure, what it means and what to do about it. */
export interface FatalConnectError {
  kind: "auth" | "no-auth" | "permission" | "refused" | "dns" | "tls";
  /** What happened, naming the server (`where`) and Redis' own words. */
  detail: string;
  fix: string;
}

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_)/;

/**
 * Classifies an error a Redis connection reported while it was being opened. Wrong or missing
 * credentials, a refused connection, an unknown host and a rejected certificate do not go away by
 * retrying for `connectTimeoutMs`, so `createStore` reports them at once with their real cause;
 * anything else (`undefined` here) is retried until the timeout.
 *
 * @param where the server, without credentials, e.g. `redis://10.0.0.5:6379/0`
 */
export function fatalConnectError(e: unknown, where: string): FatalConnectError | undefined {
  if (!(e instanceof Error)) return undefined;
  const message = e.message.trim();
  const code = (e as { code?: unknown }).code;
  if (/^NOAUTH\b/.test(message)) {
    return {
      kind: "no-auth",
      detail: `Redis at ${where} requires a password and none was given (${message})`,
      fix: "Set REDIS_PASSWORD (and REDIS_USERNAME for an ACL user), or put them in REDIS_URL: redis://user:password@host:port.",
    };
  }
  if (/^WRONGPASS\b|invalid password|invalid username-password/i.test(message)) {
    return {
      kind: "auth",
      detail: `Redis at ${where} rejected the username or password (${message})`,
      fix: "Check REDIS_PASSWORD and REDIS_USERNAME, or the credentials in REDIS_URL.",
    };
  }
  if (/^NOPERM\b/.test(message)) {
    return {
      kind: "permission",
      detail: `Redis at ${where} accepted the user but refused a command to it (${message})`,
      fix: "Grant this ACL user the command it was refused (and the keys under Holdfast's prefix), or use another user.",
    };
  }
  if (code === "ECONNREFUSED") {
    return {
      kind: "refused",
      detail: `nothing accepts connections at ${where} (${message})`,
      fix: "Start Redis there, or point REDIS_URL (or REDIS_HOST / REDIS_PORT) at the Redis to use.",
    };
  }
  if (code === "ENOTFOUND") {
    return {
      kind: "dns",
      detail: `the host of ${where} is unknown (${message})`,
      fix: "Check the host name in REDIS_URL or REDIS_HOST.",
    };
  }
  if (typeof code === "string" && TLS_CODES.test(code)) {
    return {
      kind: "tls",
      detail: `the TLS handshake with ${where} failed (${message})`,
      fix: "For a private CA set REDIS_TLS_CA_FILE to its certificate; for a server without TLS use redis:// rather than rediss://.",
    };
  }
  return undefined;
}
