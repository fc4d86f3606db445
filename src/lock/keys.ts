import { Keyspace } from "../store/keyspace.js";

/** The key kinds one lock name uses; all share the name's hash tag, so one slot. */
export const LOCK_KIND = "lock";
export const FENCE_KIND = "lockfence";
export const READERS_KIND = "lockread";

/** The three keys of a lock name: its holder, its fence counter and its readers. */
export interface LockKeySet {
  lock: string;
  fence: string;
  readers: string;
}

/**
 * Builds the keys of lock names under one store prefix. The heads are computed once: acquiring a
 * lock is the hot path, and a name's keys are three string joins.
 */
export class LockKeys {
  private readonly lockHead: string;
  private readonly fenceHead: string;
  private readonly readersHead: string;

  constructor(prefix: string) {
    this.lockHead = `${prefix}${LOCK_KIND}:`;
    this.fenceHead = `${prefix}${FENCE_KIND}:`;
    this.readersHead = `${prefix}${READERS_KIND}:`;
  }

  /** The keys of `name`, all in its hash slot. */
  of(name: string): LockKeySet {
    const tag = Keyspace.tag(name);
    return { lock: this.lockHead + tag, fence: this.fenceHead + tag, readers: this.readersHead + tag };
  }

  /** Just the holder key of `name` (what the multi-name refresh and release scripts take). */
  lock(name: string): string {
    return this.lockHead + Keyspace.tag(name);
  }
}
