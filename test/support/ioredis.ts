/** The ioredis major tests build clients with: the code lives in bench/support, shared with the benchmarks. */
export * from "../../bench/support/ioredis.js";
