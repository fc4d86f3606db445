/**
 * The Sentinel set and the Redis Cluster with replicas used by the fault tests. They live in
 * bench/support (the chaos harness and `demo:cluster` start the same topologies, and benchmarks may
 * import nothing from test/); tests reach them through here.
 */
export {
  RedisNode,
  ReplicatedCluster,
  SentinelSet,
  freePort,
  parseClusterNodes,
  parseInfo,
  redisCli,
  waitFor,
  type ClusterNodeView,
  type Persistence,
} from "../../bench/support/redis-topology.js";
