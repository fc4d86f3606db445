/**
 * Which ioredis major the tests (and benchmarks) build their Redis clients with: `HOLDFAST_IOREDIS=5`
 * or `6` (default 6, what `npm install holdfast` brings). Both are installed: `ioredis` (6.x) and
 * `ioredis5` (an npm alias of 5.x). Every store the support code makes is built with the chosen
 * major, whether Holdfast creates the client (`ioredis` option of createStore) or the test passes a
 * client of its own, as a user would (`newRedisClient`, `newClusterClient`). Shared by the tests
 * (through test/support) and the benchmarks.
 */
import { createRequire } from "node:module";
import * as v6 from "ioredis";
import * as v5 from "ioredis5";
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from "ioredis";
import type { CreateStoreOptions } from "holdfast";

/** What createStore's `ioredis` option takes: an ioredis module (5 or 6). */
type IoredisModule = NonNullable<CreateStoreOptions["ioredis"]>;

export type IoredisMajor = 5 | 6;
export const IOREDIS_MAJORS: readonly IoredisMajor[] = [5, 6];

/** The package name each major is installed under. */
const PACKAGE: Record<IoredisMajor, string> = { 5: "ioredis5", 6: "ioredis" };

/** The major named by `HOLDFAST_IOREDIS` (unset or empty: 6); anything else is an error. */
export function ioredisMajor(env: NodeJS.ProcessEnv = process.env): IoredisMajor {
  const v = env.HOLDFAST_IOREDIS?.trim();
  if (v === undefined || v === "") return 6;
  if (v === "5" || v === "6") return Number(v) as IoredisMajor;
  throw new Error(`HOLDFAST_IOREDIS must be 5 or 6, got "${v}"`);
}

/**
 * The ioredis module of `major`, typed as the default one: the two copies' classes are distinct
 * types to TypeScript, though a store accepts either.
 */
export function ioredisModule(major: IoredisMajor = ioredisMajor()): IoredisModule {
  const m = (major === 5 ? v5 : v6) as unknown as IoredisModule;
  return { Redis: m.Redis, Cluster: m.Cluster };
}

/** ioredis' own Command class of `major` (to compare what a command writes). */
export function ioredisCommandClass(major: IoredisMajor = ioredisMajor()): typeof v6.Command {
  return (major === 5 ? v5.Command : v6.Command) as typeof v6.Command;
}

/** The exact version installed for `major`, e.g. `6.1.0`. */
export function ioredisVersion(major: IoredisMajor = ioredisMajor()): string {
  const require = createRequire(import.meta.url);
  return (require(`${PACKAGE[major]}/package.json`) as { version: string }).version;
}

/** A standalone (or Sentinel) client of the chosen major, as a user would make one. */
export function newRedisClient(options: RedisOptions, major: IoredisMajor = ioredisMajor()): Redis {
  const { Redis } = ioredisModule(major) as unknown as { Redis: new (o: RedisOptions) => Redis };
  return new Redis(options);
}

/** A Cluster client of the chosen major, as a user would make one. */
export function newClusterClient(
  nodes: ClusterNode[],
  options: ClusterOptions = {},
  major: IoredisMajor = ioredisMajor(),
): Cluster {
  const { Cluster } = ioredisModule(major) as unknown as {
    Cluster: new (n: ClusterNode[], o: ClusterOptions) => Cluster;
  };
  return new Cluster(nodes, options);
}
