/** One member of a {@link SortedSet}. */
export interface ZEntry {
  member: string;
  score: number;
}

function compare(aScore: number, aMember: string, b: ZEntry): number {
  if (aScore !== b.score) return aScore < b.score ? -1 : 1;
  return aMember < b.member ? -1 : aMember > b.member ? 1 : 0;
}

/**
 * A sorted set with Redis ordering (score, then member bytes as JS string order). Rank and score
 * lookups are O(log n) and O(1); inserts and removes are O(log n) plus an array move, which stays
 * cheap at the sizes an in-process store holds (100k members: tens of microseconds).
 */
export class SortedSet {
  private readonly items: ZEntry[] = [];
  private readonly scores = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** Adds or updates; returns true if the member was new. */
  add(member: string, score: number): boolean {
    const old = this.scores.get(member);
    if (old !== undefined) {
      if (old === score) return false;
      this.items.splice(this.find(old, member), 1);
    }
    this.items.splice(this.lowerBound(score, member), 0, { member, score });
    this.scores.set(member, score);
    return old === undefined;
  }

  remove(member: string): boolean {
    const old = this.scores.get(member);
    if (old === undefined) return false;
    this.items.splice(this.find(old, member), 1);
    this.scores.delete(member);
    return true;
  }

  /** 0-based rank in ascending order, or undefined. */
  rank(member: string): number | undefined {
    const s = this.scores.get(member);
    return s === undefined ? undefined : this.find(s, member);
  }

  /** Members by rank, inclusive, Redis-style negative indexes allowed. */
  range(start: number, stop: number): ZEntry[] {
    const n = this.items.length;
    if (start < 0) start = Math.max(0, n + start);
    if (stop < 0) stop = n + stop;
    if (stop >= n) stop = n - 1;
    return start > stop ? [] : this.items.slice(start, stop + 1);
  }

  /** Members with min <= score <= max, ascending, at most `limit`. */
  rangeByScore(min: number, max: number, limit = Infinity): ZEntry[] {
    const out: ZEntry[] = [];
    for (let i = this.lowerBound(min, ""); i < this.items.length && out.length < limit; i++) {
      if (this.items[i].score > max) break;
      out.push(this.items[i]);
    }
    return out;
  }

  /** Removes members with min <= score <= max; returns them. */
  removeByScore(min: number, max: number): ZEntry[] {
    const from = this.lowerBound(min, "");
    let to = from;
    while (to < this.items.length && this.items[to].score <= max) to++;
    const removed = this.items.splice(from, to - from);
    for (const e of removed) this.scores.delete(e.member);
    return removed;
  }

  countByScore(min: number, max: number): number {
    let n = 0;
    for (let i = this.lowerBound(min, ""); i < this.items.length && this.items[i].score <= max; i++) n++;
    return n;
  }

  private find(score: number, member: string): number {
    return this.lowerBound(score, member);
  }

  private lowerBound(score: number, member: string): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(score, member, this.items[mid]) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
