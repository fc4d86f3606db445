import { HoldfastApiError, HoldfastNetworkError } from "./errors.js";

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** The service's base URL, e.g. `http://localhost:4000`. */
  baseUrl: string;
  /** An API key (`hf_…`), sent as a bearer token. Omit against an open (loopback) server. */
  apiKey?: string;
  /** The tenant to act for, when the key serves several. */
  tenant?: string;
  /** A fetch implementation. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Abort a request after this many ms. @defaultValue 10000 */
  timeoutMs?: number;
}

/** A small JSON-over-HTTP client that turns error answers into {@link HoldfastApiError}. Browser and Node. */
export class HttpClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: HttpClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.headers = { accept: "application/json" };
    if (options.apiKey) this.headers.authorization = `Bearer ${options.apiKey}`;
    if (options.tenant) this.headers["x-holdfast-tenant"] = options.tenant;
  }

  /**
   * Sends a request; resolves with the parsed JSON body of a 2xx answer. `options.keepalive` lets
   * the request outlive the page (a release sent from `pagehide`).
   */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    options?: { keepalive?: boolean },
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? anySignal([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, {
        method,
        headers: body === undefined ? this.headers : { ...this.headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
        ...(options?.keepalive ? { keepalive: true } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new HoldfastNetworkError(`Cannot reach ${this.base}: ${(e as Error).message}`, { cause: e });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!res.ok) throw new HoldfastApiError(res.status, parsed, res.headers.get("retry-after"));
    return parsed as T;
  }

  /** Encodes one path segment (names may contain `:`, `{`, `|`, `/`). */
  static segment(name: string): string {
    return encodeURIComponent(name);
  }
}

function anySignal(signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}
