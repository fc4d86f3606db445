/** One member of a {@link SortedSet}. */
export interface ZEntry {
  member: string;
  score: number;
}

/**
 * Most entries in a leaf and most children of an inner node. 64 keeps a leaf's splice to a short
 * memmove and the tree 4 levels deep at a million members; a rank sums at most 64 sizes per level.
 */
const FANOUT = 64;
/** A node under this many entries merges with a neighbour when both fit in one node. */
const LOW = FANOUT / 4;

interface Leaf {
  leaf: true;
  scores: number[];
  members: string[];
}

/**
 * `lowScores[i]`/`lowMembers[i]` is a lower bound of every key in `children[i]` (i >= 1; index 0
 * is unused), and every key of `children[i - 1]` is below it; `sizes[i]` counts the entries of
 * `children[i]`'s subtree. Bounds are set when a node splits and only loosen as keys leave.
 */
interface Inner {
  leaf: false;
  children: Node[];
  sizes: number[];
  lowScores: number[];
  lowMembers: string[];
}

type Node = Leaf | Inner;

/** Redis order: score, then member (as JS string order). `member` null stands above every member. */
function cmp(aScore: number, aMember: string | null, bScore: number, bMember: string): number {
  if (aScore !== bScore) return aScore < bScore ? -1 : 1;
  if (aMember === null) return 1;
  return aMember < bMember ? -1 : aMember > bMember ? 1 : 0;
}

/** Entries of a leaf below (score, member): the leaf's insertion point. */
function leafLowerBound(leaf: Leaf, score: number, member: string | null): number {
  let lo = 0;
  let hi = leaf.scores.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(score, member, leaf.scores[mid], leaf.members[mid]) > 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The child of `node` whose range holds (score, member): the last whose lower bound is <= it. */
function childFor(node: Inner, score: number, member: string | null): number {
  let lo = 1;
  let hi = node.children.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(score, member, node.lowScores[mid], node.lowMembers[mid]) >= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function entries(node: Node): number {
  return node.leaf ? node.scores.length : node.children.length;
}

function total(node: Inner): number {
  let n = 0;
  for (const s of node.sizes) n += s;
  return n;
}

/**
 * A sorted set with Redis ordering (score, then member bytes as JS string order): a B+ tree whose
 * inner nodes count their subtrees' entries, plus a map of member to score. Insert, remove and
 * rank are O(log n) (a few levels of 64-way nodes), score lookup O(1), and a range of k members
 * O(log n + k), so one call's cost never grows with the size of the set (Redis keeps a skip list
 * with spans for the same bounds).
 */
export class SortedSet {
  private root: Node = { leaf: true, scores: [], members: [] };
  private readonly scores = new Map<string, number>();

  get size(): number {
    return this.scores.size;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** Adds or updates; returns true if the member was new. */
  add(member: string, score: number): boolean {
    const old = this.scores.get(member);
    if (old !== undefined) {
      if (old === score) return false;
      this.deleteKey(old, member);
    }
    this.scores.set(member, score);
    const split = this.insert(this.root, score, member);
    if (split) {
      const left = this.root;
      this.root = {
        leaf: false,
        children: [left, split.node],
        sizes: [left.leaf ? left.scores.length : total(left), split.size],
        lowScores: [0, split.score],
        lowMembers: ["", split.member],
      };
    }
    return old === undefined;
  }

  remove(member: string): boolean {
    const old = this.scores.get(member);
    if (old === undefined) return false;
    this.scores.delete(member);
    this.deleteKey(old, member);
    return true;
  }

  /** 0-based rank in ascending order, or undefined. */
  rank(member: string): number | undefined {
    const s = this.scores.get(member);
    return s === undefined ? undefined : this.countBelow(s, member);
  }

  /** Members by rank, inclusive, Redis-style negative indexes allowed. */
  range(start: number, stop: number): ZEntry[] {
    const n = this.size;
    if (start < 0) start = Math.max(0, n + start);
    if (stop < 0) stop = n + stop;
    if (stop >= n) stop = n - 1;
    return start > stop ? [] : this.collect(start, stop - start + 1, Infinity);
  }

  /** Members with min <= score <= max, ascending, at most `limit`. */
  rangeByScore(min: number, max: number, limit = Infinity): ZEntry[] {
    if (limit <= 0 || min > max) return [];
    return this.collect(this.countBelow(min, ""), limit, max);
  }

  /**
   * Up to `limit` members after (score, member) in set order, exclusive: a page that resumes
   * where the previous one ended, even when that member has left the set since.
   */
  rangeAfter(score: number, member: string, limit: number): ZEntry[] {
    if (limit <= 0) return [];
    const from = this.countBelow(score, member) + (this.scores.get(member) === score ? 1 : 0);
    return this.collect(from, limit, Infinity);
  }

  /** Removes members with min <= score <= max; returns them. O(log n) per member removed. */
  removeByScore(min: number, max: number): ZEntry[] {
    const removed = this.rangeByScore(min, max);
    for (const e of removed) this.remove(e.member);
    return removed;
  }

  countByScore(min: number, max: number): number {
    if (min > max) return 0;
    return this.countBelow(max, null) - this.countBelow(min, "");
  }

  /** How many entries are below (score, member); `member` null counts every entry of `score` too. */
  private countBelow(score: number, member: string | null): number {
    let node = this.root;
    let n = 0;
    while (!node.leaf) {
      const i = childFor(node, score, member);
      for (let j = 0; j < i; j++) n += node.sizes[j];
      node = node.children[i];
    }
    return n + leafLowerBound(node, score, member);
  }

  /** Up to `limit` entries from rank `from`, stopping at the first score above `maxScore`. */
  private collect(from: number, limit: number, maxScore: number): ZEntry[] {
    const out: ZEntry[] = [];
    let rank = from;
    while (out.length < limit && rank < this.size) {
      // Walk down to the leaf holding `rank`, then read along it: one descent per leaf.
      let node = this.root;
      let offset = rank;
      while (!node.leaf) {
        let i = 0;
        while (offset >= node.sizes[i]) offset -= node.sizes[i++];
        node = node.children[i];
      }
      for (let k = offset; k < node.scores.length && out.length < limit; k++, rank++) {
        if (node.scores[k] > maxScore) return out;
        out.push({ member: node.members[k], score: node.scores[k] });
      }
    }
    return out;
  }

  /** Inserts a new key below `node`; returns the right half when `node` had to split. */
  private insert(
    node: Node,
    score: number,
    member: string,
  ): { node: Node; size: number; score: number; member: string } | undefined {
    if (node.leaf) {
      const at = leafLowerBound(node, score, member);
      node.scores.splice(at, 0, score);
      node.members.splice(at, 0, member);
      if (node.scores.length <= FANOUT) return undefined;
      const half = node.scores.length >>> 1;
      const right: Leaf = {
        leaf: true,
        scores: node.scores.splice(half),
        members: node.members.splice(half),
      };
      return { node: right, size: right.scores.length, score: right.scores[0], member: right.members[0] };
    }
    const i = childFor(node, score, member);
    node.sizes[i]++;
    const split = this.insert(node.children[i], score, member);
    if (!split) return undefined;
    node.sizes[i] -= split.size;
    node.children.splice(i + 1, 0, split.node);
    node.sizes.splice(i + 1, 0, split.size);
    node.lowScores.splice(i + 1, 0, split.score);
    node.lowMembers.splice(i + 1, 0, split.member);
    if (node.children.length <= FANOUT) return undefined;
    const half = node.children.length >>> 1;
    const right: Inner = {
      leaf: false,
      children: node.children.splice(half),
      sizes: node.sizes.splice(half),
      lowScores: node.lowScores.splice(half),
      lowMembers: node.lowMembers.splice(half),
    };
    return { node: right, size: total(right), score: right.lowScores[0], member: right.lowMembers[0] };
  }

  private deleteKey(score: number, member: string): void {
    this.delete(this.root, score, member);
    // A root with one child hands the tree to it, so the height follows the size down.
    while (!this.root.leaf && this.root.children.length <= 1) {
      this.root = this.root.children[0] ?? { leaf: true, scores: [], members: [] };
    }
  }

  /** Removes an existing key below `node`, merging or dropping children that became small. */
  private delete(node: Node, score: number, member: string): void {
    if (node.leaf) {
      const at = leafLowerBound(node, score, member);
      node.scores.splice(at, 1);
      node.members.splice(at, 1);
      return;
    }
    const i = childFor(node, score, member);
    node.sizes[i]--;
    const child = node.children[i];
    this.delete(child, score, member);
    const n = entries(child);
    if (n === 0) {
      this.drop(node, i);
      return;
    }
    if (n >= LOW) return;
    // Merge a small child into a neighbour when both fit in one node; the left one's bound stays.
    if (i + 1 < node.children.length && n + entries(node.children[i + 1]) <= FANOUT) this.merge(node, i);
    else if (i > 0 && n + entries(node.children[i - 1]) <= FANOUT) this.merge(node, i - 1);
  }

  /** Appends child `i + 1` of `node` to child `i`. */
  private merge(node: Inner, i: number): void {
    const a = node.children[i];
    const b = node.children[i + 1];
    // Siblings are always of one kind: every leaf is at the same depth.
    if (a.leaf) {
      const l = b as Leaf;
      a.scores.push(...l.scores);
      a.members.push(...l.members);
    } else {
      const r = b as Inner;
      // r's first child had no bound of its own inside r: its bound in `node` is r's.
      r.lowScores[0] = node.lowScores[i + 1];
      r.lowMembers[0] = node.lowMembers[i + 1];
      a.children.push(...r.children);
      a.sizes.push(...r.sizes);
      a.lowScores.push(...r.lowScores);
      a.lowMembers.push(...r.lowMembers);
    }
    node.sizes[i] += node.sizes[i + 1];
    this.drop(node, i + 1);
  }

  private drop(node: Inner, i: number): void {
    node.children.splice(i, 1);
    node.sizes.splice(i, 1);
    node.lowScores.splice(i, 1);
    node.lowMembers.splice(i, 1);
  }
}
