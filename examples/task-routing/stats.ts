/**
 * The routing stats of `GET /api/routing/test`, kept in the store (not in the app's memory) so
 * every app instance on one Redis reports the same numbers. Two atomic scripts, each one round
 * trip, with their memory twins: `record-2.lua` (count a decision, keep it among the recent ones,
 * return the agent's load) and `read-2.lua`.
 */
import { defineScript, type MemoryDb, type RawReply, type Store } from "holdfast";
import { AGENT_IDS, type AgentId } from "./scoring.js";

type RecordArgs = [agentId: string, decisionJson: string, keep: number];
type ReadArgs = [limit: number];

/** The memory twin's list: index 0 is the head, as LPUSH/LRANGE see it. */
const recentList = (db: MemoryDb, key: string) => db.getTyped<string[]>(key, "list", () => [])!;

const recordScript = defineScript<RecordArgs>(
  new URL("./record-2.lua", import.meta.url),
  (db, keys, [agentId, json, keep]) => {
    const total = db.hincrby(keys[0], "total", 1);
    const agentTotal = db.hincrby(keys[0], `agent:${agentId}`, 1);
    const recent = recentList(db, keys[1]);
    recent.unshift(`${agentId} ${json}`);
    if (recent.length > Number(keep)) recent.length = Number(keep);
    const prefix = `${agentId} `;
    const inWindow = recent.filter((e) => e.startsWith(prefix)).length;
    return [total, agentTotal, inWindow, recent.length];
  },
);

const readScript = defineScript<ReadArgs>(new URL("./read-2.lua", import.meta.url), (db, keys, [limit]) => {
  const flat: string[] = [];
  for (const [field, value] of db.hgetall(keys[0])) flat.push(field, value);
  const recent = db.getTyped<string[]>(keys[1], "list") ?? [];
  return [flat, recent.slice(0, Number(limit))];
});

/** What {@link RoutingStats.record} returns. */
export interface Recorded {
  totalRoutes: number;
  /** Decisions that went to this agent, ever. */
  agentRoutes: number;
  /** The agent's share of the last `window` decisions (all instances), in [0, 1], 2 decimals. */
  load: number;
}

/** The seed's `stats` object. */
export interface StatsView<D> {
  totalRoutes: number;
  agentUsage: Record<AgentId, number>;
  /** Newest first. */
  recentDecisions: D[];
}

/**
 * Shared counters and recent decisions of one router. Both keys carry the name's hash tag, so the
 * scripts run on Redis Cluster too.
 *
 * @example
 * const stats = new RoutingStats(store, "task:routing", { window: 20 });
 * const { load } = await stats.record("gpt-4", decision);
 * const { totalRoutes } = await stats.read(10);
 */
export class RoutingStats<D> {
  private readonly keys: string[];

  constructor(
    private readonly store: Store,
    name: string,
    /** `window`: recent decisions kept, also the window `load` is measured over. */
    private readonly options: { window: number },
  ) {
    this.keys = [store.keys.key("routing", name, "counts"), store.keys.key("routing", name, "recent")];
  }

  /** Counts `decision` for `agentId` in one round trip. @throws the store errors */
  async record(agentId: AgentId, decision: D): Promise<Recorded> {
    const raw = (await this.store.run(recordScript, this.keys, [
      agentId,
      JSON.stringify(decision),
      this.options.window,
    ])) as number[];
    const [totalRoutes, agentRoutes, inWindow, size] = raw.map(Number);
    return { totalRoutes, agentRoutes, load: Math.round((inWindow / Math.max(size, 1)) * 100) / 100 };
  }

  /** The totals and the `limit` newest decisions, in one round trip. @throws the store errors */
  async read(limit: number): Promise<StatsView<D>> {
    const [flat, recent] = (await this.store.run(readScript, this.keys, [limit])) as [RawReply[], string[]];
    const agentUsage = Object.fromEntries(AGENT_IDS.map((id) => [id, 0])) as Record<AgentId, number>;
    let totalRoutes = 0;
    for (let i = 0; i < flat.length; i += 2) {
      const field = String(flat[i]);
      const value = Number(flat[i + 1]);
      if (field === "total") totalRoutes = value;
      else if (field.startsWith("agent:")) agentUsage[field.slice(6) as AgentId] = value;
    }
    return {
      totalRoutes,
      agentUsage,
      recentDecisions: recent.map((e) => JSON.parse(e.slice(e.indexOf(" ") + 1)) as D),
    };
  }
}
