import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useDashboard } from "./context";
import { changes, type ChangeKind } from "./live";
import { describeError, isAuthError } from "./session";

/** How often a visible list fetches its current page again, for changes made outside this service. */
export const REVALIDATE_MS = 5000;

/** The clock, ticking every `ms` (countdowns). */
export function useNow(ms = 250): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** Calls `fn` when the service reports a change of one of `kinds`. */
export function useChanges(kinds: ChangeKind[], fn: () => void): void {
  const ref = useRef(fn);
  ref.current = fn;
  const key = kinds.join(",");
  useEffect(() => {
    const listener = (e: Event) => {
      const detail = (e as CustomEvent<{ kinds: ChangeKind[] }>).detail;
      if (detail.kinds.some((k) => key.split(",").includes(k))) ref.current();
    };
    changes.addEventListener("change", listener);
    return () => changes.removeEventListener("change", listener);
  }, [key]);
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** `Date.now()` when `data` was fetched: countdowns start from it. */
  at: number;
  reload(): void;
}

/**
 * Loads `load()` now, again when `deps` change, when the service reports a change of `kinds`
 * (pushed over the live stream), and every {@link REVALIDATE_MS} while shown. One request at a
 * time: a change during a fetch schedules one more.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], kinds: ChangeKind[]): Loaded<T> {
  const { signOut } = useDashboard();
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean; at: number }>({
    loading: true,
    at: Date.now(),
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const busy = useRef(false);
  const again = useRef(false);
  const alive = useRef(true);
  const generation = useRef(0);

  const run = useCallback(() => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    const gen = generation.current;
    loadRef
      .current()
      .then((data) => {
        if (alive.current && gen === generation.current) setState({ data, loading: false, at: Date.now() });
      })
      .catch((e: unknown) => {
        if (isAuthError(e)) return signOut(describeError(e));
        if (alive.current && gen === generation.current) {
          setState((s) => ({ ...s, error: describeError(e), loading: false }));
        }
      })
      .finally(() => {
        busy.current = false;
        if (again.current) {
          again.current = false;
          run();
        }
      });
  }, [signOut]);

  useEffect(() => {
    alive.current = true;
    generation.current++;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    busy.current = false;
    run();
    // A hidden tab does not revalidate (pushed changes still reach it, and it catches up when shown).
    const t = setInterval(() => !document.hidden && run(), REVALIDATE_MS);
    return () => {
      alive.current = false;
      clearInterval(t);
    };
  }, deps);
  useChanges(kinds, run);
  return { ...state, data: state.data, error: state.error, reload: run };
}

/** A cursor-paged listing: the current page, and the cursors to go forward and back to the first. */
export function usePages() {
  const [stack, setStack] = useState<string[]>([]);
  const cursor = stack.length > 0 ? stack[stack.length - 1] : undefined;
  return {
    cursor,
    page: stack.length + 1,
    next: (c: string) => setStack((s) => [...s, c]),
    first: () => setStack([]),
  };
}

/** Runs an action, reporting its error (and signing out on 401). */
export function useAction(): {
  busy: boolean;
  error: string | undefined;
  run(fn: () => Promise<unknown>): Promise<boolean>;
  clear(): void;
} {
  const { signOut } = useDashboard();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return {
    busy,
    error,
    clear: () => setError(undefined),
    async run(fn) {
      setBusy(true);
      setError(undefined);
      try {
        await fn();
        return true;
      } catch (e) {
        if (isAuthError(e)) signOut(describeError(e));
        else setError(describeError(e));
        return false;
      } finally {
        setBusy(false);
      }
    },
  };
}

/** One page of a prefix-filtered listing, as {@link usePrefixList} keeps it. */
export interface PrefixPage<T> {
  rows: T[];
  nextCursor: string | null;
}

export interface PrefixList<T> {
  prefix: string;
  /** Filters by a new prefix, from the first page. */
  setPrefix(prefix: string): void;
  pages: ReturnType<typeof usePages>;
  list: Loaded<PrefixPage<T>>;
  rows: T[];
}

/**
 * An admin listing of `GET path?limit=50&prefix=…&cursor=…`, whose rows come under `field`: filtered
 * by name prefix, paged by cursor, reloaded on changes of `kinds`. A client key may not list, so for
 * one it stays empty without asking.
 */
export function usePrefixList<T>(
  path: string,
  field: string,
  kinds: ChangeKind[],
  admin: boolean,
): PrefixList<T> {
  const { client } = useDashboard();
  const [prefix, setPrefix] = useState("");
  const pages = usePages();
  const list = useLoad<PrefixPage<T>>(
    async () => {
      if (!admin) return { rows: [], nextCursor: null };
      const r = await client.request<Record<string, unknown> & { nextCursor: string | null }>(
        "GET",
        `${path}?limit=50&prefix=${encodeURIComponent(prefix)}${pages.cursor ? `&cursor=${pages.cursor}` : ""}`,
      );
      return { rows: r[field] as T[], nextCursor: r.nextCursor };
    },
    [prefix, pages.cursor, admin],
    kinds,
  );
  return {
    prefix,
    setPrefix: (v) => (setPrefix(v), pages.first()),
    pages,
    list,
    rows: list.data?.rows ?? [],
  };
}
