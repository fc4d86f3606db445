/** The paths health checks and metric scrapers poll. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/livez", "/metrics"]);

/**
 * True for a health probe or a metrics scrape (`GET`/`HEAD` of {@link PROBE_PATHS}, any query):
 * the service does not log these requests at info, or its log would be mostly probes.
 */
export function isProbeRequest(req: { method?: string; url?: string }): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const url = req.url ?? "";
  const q = url.indexOf("?");
  return PROBE_PATHS.has(q === -1 ? url : url.slice(0, q));
}
