import calculateSlot from "cluster-key-slot";
import { CrossSlotError } from "../errors/store-errors.js";
import { InvalidArgumentError } from "../errors/invalid-argument-error.js";

/** The default key prefix. Every key Holdfast writes starts with it. */
export const DEFAULT_PREFIX = "holdfast:";

/**
 * Separates a name from a key's suffix. It is the ASCII unit separator (0x1F): names can contain
 * any printable character, `:` and braces included, but never a control character, so
 * `(name "x", suffix "meta")` and `(name "{x}:meta")` can never build the same key.
 */
export const SUFFIX_SEPARATOR = "\u001f";

/**
 * Builds Redis keys: `<prefix><kind>:<tagged name>[<0x1F><suffix>]`.
 *
 * Every key derived from one name shares that name's hash tag, so one script can touch all of them
 * on Redis Cluster. A name that already carries a hash tag (`booking:{tenant-1|room-4}:14:00`)
 * keeps it, so users can co-locate several names on purpose (multi-key locks, carts); any other
 * name is wrapped whole (`{order-17}`).
 */
export class Keyspace {
  readonly prefix: string;

  constructor(prefix: string = DEFAULT_PREFIX) {
    if (typeof prefix !== "string" || prefix.length > 128 || /[{}\s]/.test(prefix)) {
      throw new InvalidArgumentError(
        "prefix",
        "must be a string of at most 128 characters without braces or spaces",
      );
    }
    this.prefix = prefix;
  }

  /** The key of `name` for a primitive `kind` (e.g. `lock`), with an optional `suffix` (e.g. `fence`). */
  key(kind: string, name: string, suffix?: string): string {
    const base = `${this.prefix}${kind}:${Keyspace.tag(name)}`;
    return suffix === undefined ? base : base + SUFFIX_SEPARATOR + suffix;
  }

  /** The pattern matching every key of `kind`, for {@link Store.scan}. */
  pattern(kind: string): string {
    return `${this.prefix}${kind}:*`;
  }

  /** Recovers the name from a key built by {@link key} (without suffix); undefined if it is not one. */
  nameOf(kind: string, key: string): string | undefined {
    const head = `${this.prefix}${kind}:`;
    if (!key.startsWith(head)) return undefined;
    const rest = key.slice(head.length);
    if (rest.includes(SUFFIX_SEPARATOR)) return undefined; // a derived key, not a name's own
    // A wrapped name starts and ends with a brace; a name kept as it is never does both.
    const name = rest.startsWith("{") && rest.endsWith("}") ? rest.slice(1, -1) : rest;
    return Keyspace.tag(name) === rest ? name : undefined;
  }

  /** True if `name` has a non-empty `{…}` hash tag that Redis Cluster would use. */
  static hasTag(name: string): boolean {
    const open = name.indexOf("{");
    if (open < 0) return false;
    const close = name.indexOf("}", open + 1);
    return close > open + 1;
  }

  /**
   * The name as it appears in a key: unchanged if it has a hash tag, else wrapped in braces. A name
   * that both starts with `{` and ends with `}` (such as `{x}`) is always wrapped (`{{x}}`): every
   * wrapped form starts and ends with a brace and no unwrapped one does, so two names never build
   * the same key (`x` → `{x}`, `{x}` → `{{x}}`).
   */
  static tag(name: string): string {
    return Keyspace.hasTag(name) && !(name.startsWith("{") && name.endsWith("}")) ? name : `{${name}}`;
  }

  /** The Redis Cluster slot all keys of `name` land in. */
  static slotOf(name: string): number {
    return calculateSlot(Keyspace.tag(name));
  }

  /**
   * Throws {@link CrossSlotError} unless every name lands in the same cluster slot. Checked on every
   * store, so that a multi-key call that works in memory also works on Redis Cluster.
   */
  static assertSameSlot(names: readonly string[]): void {
    if (names.length < 2) return;
    const slot = Keyspace.slotOf(names[0]);
    for (let i = 1; i < names.length; i++) {
      if (Keyspace.slotOf(names[i]) !== slot) throw new CrossSlotError([...names]);
    }
  }
}
