import {
  ScriptError,
  StoreFullError,
  StoreTimeoutError,
  StoreUnavailableError,
} from "../../errors/store-errors.js";
import type { HoldfastError } from "../../errors/holdfast-error.js";

const UNAVAILABLE = [
  /Stream isn't writeable/,
  /Connection is closed/,
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/,
  /max retries per request/i,
  /None of startup nodes is available/,
  /Failed to refresh slots cache/,
  /Cluster isn't ready/,
  /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|READONLY|BUSY|NOREPLICAS)\b/,
  /All sentinels are unreachable|Failed to connect to sentinel/,
  /NOAUTH|WRONGPASS|NOPERM/,
];

/** True when the server says the script is not in its cache (after a restart, failover or SCRIPT FLUSH). */
export function isNoScript(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith("NOSCRIPT");
}

/**
 * Maps an ioredis error to Holdfast's typed store errors: unreachable (or refusing service) →
 * {@link StoreUnavailableError}; no reply in time → {@link StoreTimeoutError}; over `maxmemory`
 * → {@link StoreFullError} (Redis refuses a script at its first write, so nothing was written);
 * anything else the server said → {@link ScriptError}.
 */
export function toStoreError(e: unknown, script: string, commandTimeoutMs: number): HoldfastError {
  const message = e instanceof Error ? e.message : String(e);
  if (message === "Command timed out" || message.startsWith("Socket timeout")) {
    return new StoreTimeoutError(commandTimeoutMs, { cause: e });
  }
  // "OOM command not allowed when used memory > 'maxmemory'", also inside a script's error text.
  if (/\bOOM command not allowed\b/.test(message))
    return new StoreFullError({ store: "redis", message }, { cause: e });
  // ioredis Cluster gives up after `maxRedirections` MOVED/ASK/TRYAGAIN/CLUSTERDOWN answers in a row
  // (a failover or a migration in progress), naming the last error: the cluster could not route
  // the command, unless that last error was a timeout (then it may have run).
  const redirections = /^Too many Cluster redirections\. Last error: (?:\w*Error: )?(.*)$/s.exec(message);
  if (redirections) {
    if (redirections[1] === "Command timed out") return new StoreTimeoutError(commandTimeoutMs, { cause: e });
    return new StoreUnavailableError(`the cluster could not route the command (${redirections[1]})`, {
      cause: e,
    });
  }
  const code = (e as { code?: string } | undefined)?.code;
  if ((code && /^E[A-Z]+$/.test(code)) || UNAVAILABLE.some((re) => re.test(message))) {
    return new StoreUnavailableError(message, { cause: e });
  }
  return new ScriptError(script, message, { cause: e });
}
