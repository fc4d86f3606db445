import type { AuthMode } from "../server/auth/authenticator.js";

/** What `holdfast serve` says on a terminal once it is ready. */
export interface BannerInfo {
  version: string;
  /** The address it listens on, e.g. `http://127.0.0.1:4000`. */
  url: string;
  /** From the process' start to listening, in ms. */
  readyMs: number;
  /** `where` is the Redis it uses, credentials masked (`describeRedisConfig`). */
  store: { kind: "memory" | "redis"; mode: string; where?: string };
  auth: AuthMode;
  /** Where the API keys live (a file for the memory store, Redis otherwise). */
  keysWhere: string;
  /** The operators' dashboard, once it exists: its line is printed when this is set. */
  dashboardUrl?: string;
  /** The `.env` that was read, by variable name (values are never printed). */
  envFile?: { path: string; applied: string[]; kept: string[] };
}

const LABEL = 11;
const line = (label: string, text: string) => `  ${label.padEnd(LABEL)}${text}`;

function storeLine(s: BannerInfo["store"]): string {
  if (s.kind === "memory") {
    return "memory: embedded, one process, not durable (set REDIS_URL to use Redis)";
  }
  return `Redis ${s.mode}${s.where ? ` at ${s.where}` : ""}`;
}

function authLine(info: BannerInfo): string {
  return info.auth === "keys"
    ? `API keys required (keys: ${info.keysWhere})`
    : "open to this machine only: no API keys yet (holdfast keys create --role admin)";
}

/**
 * The short human banner `holdfast serve` prints on a terminal: where it listens, which store, who
 * may call it, where the docs are. Never a password: the store's address comes masked.
 */
export function formatBanner(info: BannerInfo, bold: (s: string) => string = (s) => s): string {
  const lines = [
    "",
    `  ${bold(`Holdfast ${info.version}`)} ready in ${(info.readyMs / 1000).toFixed(1)} s`,
    "",
    line("URL", info.url),
    line("API docs", `${info.url}/docs  (OpenAPI: ${info.url}/openapi.json)`),
  ];
  if (info.dashboardUrl) lines.push(line("Dashboard", info.dashboardUrl));
  lines.push(line("Store", storeLine(info.store)), line("Auth", authLine(info)));
  if (info.envFile && (info.envFile.applied.length > 0 || info.envFile.kept.length > 0)) {
    const kept =
      info.envFile.kept.length > 0 ? `; kept from the environment: ${info.envFile.kept.join(", ")}` : "";
    lines.push(
      line(".env", `${info.envFile.applied.join(", ") || "nothing new"} from ${info.envFile.path}${kept}`),
    );
  }
  lines.push("", "  Logs follow (--json for JSON lines). Ctrl-C stops.", "");
  return lines.join("\n") + "\n";
}
