import type { Cluster, Redis } from "ioredis";
import calculateSlot from "cluster-key-slot";

/**
 * Which scripts each server connection has been sent, so that a script's first run on a
 * connection goes out as EVAL (which runs it and caches it) instead of an EVALSHA the server may
 * answer NOSCRIPT. The store's NOSCRIPT fallback sends EVAL too, but by then the calls made behind
 * the refused one have run: tracking what each connection was sent keeps calls made without waiting
 * in the order they were made, on a fresh server and after a restart (a connection's set is
 * emptied when it closes, since the server behind it may have restarted).
 *
 * What it cannot see, and leaves to the NOSCRIPT fallback: a `SCRIPT FLUSH` under a live
 * connection, and on a Cluster a command redirected (MOVED, ASK) to a node that lacks the script.
 */
export interface ScriptsSent {
  /**
   * True, and from now on false, when the script `sha` has not been sent on the connection that
   * will carry a command whose first key is `firstKey`.
   */
  firstRun(sha: string, firstKey: string | undefined): boolean;
}

/** Tracks scripts for `client`: one set for a single connection, one per node for a Cluster. */
export function trackScriptsSent(client: Redis | Cluster, keyPrefix = ""): ScriptsSent {
  return "isCluster" in client && client.isCluster
    ? clusterScripts(client as Cluster, keyPrefix)
    : connectionScripts(client as Redis);
}

function connectionScripts(client: Redis): ScriptsSent {
  const sent = new Set<string>();
  client.on("close", () => sent.clear());
  return {
    firstRun(sha) {
      if (sent.has(sha)) return false;
      sent.add(sha);
      return true;
    },
  };
}

/**
 * Per node, by the `host:port` name ioredis uses in its slot table (`cluster.slots[slot][0]` is the
 * master a command for that slot goes to). A node's set is dropped when its connection closes or
 * the node leaves the pool.
 */
function clusterScripts(cluster: Cluster, keyPrefix: string): ScriptsSent {
  const byNode = new Map<string, Set<string>>();
  const nameOf = (node: Redis) => `${node.options.host ?? "127.0.0.1"}:${node.options.port ?? 6379}`;
  const watch = (node: Redis) => node.on("close", () => byNode.delete(nameOf(node)));
  for (const node of cluster.nodes("all")) watch(node);
  cluster.on("+node", watch);
  cluster.on("-node", (node: Redis) => byNode.delete(nameOf(node)));
  return {
    firstRun(sha, firstKey) {
      // No key, or a slot not mapped yet: the node is unknown, and EVAL is always safe.
      if (firstKey === undefined) return true;
      const node = cluster.slots[calculateSlot(keyPrefix + firstKey)]?.[0];
      if (node === undefined) return true;
      let sent = byNode.get(node);
      if (!sent) byNode.set(node, (sent = new Set()));
      if (sent.has(sha)) return false;
      sent.add(sha);
      return true;
    },
  };
}
