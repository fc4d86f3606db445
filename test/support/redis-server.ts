/** Private redis-server processes: the code lives in bench/support, shared with the benchmarks. */
export * from "../../bench/support/redis-server.js";
