import { isLoopback } from "../config.js";
import type { KeyStore } from "./key-store.js";

/** One finding of {@link checkKeys}, in the shape `holdfast doctor` prints. */
export interface KeyFinding {
  check: "auth";
  level: "ok" | "warn" | "error";
  message: string;
  fix?: string;
}

const ROTATE =
  "To rotate a key without downtime: create the new key, move every client to it, then revoke the old one.";

/**
 * What `holdfast doctor` says about API keys: how many are active, which records are refused (and
 * why), and what a service on `host` does with these keys: run open (loopback, no key), refuse to
 * start (elsewhere, no key), or require keys; and that a service that started with keys answers
 * 401 to everything once none is left (it never opens at run time).
 */
export async function checkKeys(keys: KeyStore, host: string): Promise<KeyFinding[]> {
  const entries = await keys.entries();
  const active = entries.filter((e) => e.record && !e.revoked).length;
  const findings: KeyFinding[] = [];
  for (const e of entries) {
    if (e.refused && !e.revoked) {
      findings.push({
        check: "auth",
        level: "error",
        message: `API key ${e.id} is refused and never authenticates: ${e.refused}`,
        fix: `Create a replacement (\`holdfast keys create\`), move its clients, then \`holdfast keys revoke ${e.id}\`.`,
      });
    }
  }
  if (active > 0) {
    findings.push({
      check: "auth",
      level: "ok",
      message: `${active} active API key${active === 1 ? "" : "s"} in ${keys.where}: the service requires keys`,
    });
    return findings;
  }
  const revoked = entries.filter((e) => e.revoked).length;
  findings.push({
    check: "auth",
    level: isLoopback(host) ? "warn" : "error",
    message:
      `no active API key in ${keys.where}${revoked > 0 ? ` (${revoked} revoked)` : ""}: ` +
      (isLoopback(host)
        ? `\`holdfast serve\` started now on ${host} runs OPEN to every local process`
        : `\`holdfast serve\` refuses to start on ${host}`) +
      "; a service already running with keys answers 401 to every request and reports `no active API key` on /readyz (it never opens while it runs)",
    fix: `Create one: \`holdfast keys create --role admin --tenant <tenant>\`. ${ROTATE}`,
  });
  return findings;
}
