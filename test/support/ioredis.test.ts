import { describe, expect, it } from "vitest";
import * as v6 from "ioredis";
import * as v5 from "ioredis5";
import {
  IOREDIS_MAJORS,
  ioredisCommandClass,
  ioredisMajor,
  ioredisModule,
  ioredisVersion,
  newClusterClient,
  newRedisClient,
} from "./ioredis.js";

describe("choosing the ioredis major (test/support/ioredis.ts)", () => {
  it("reads HOLDFAST_IOREDIS: 5 or 6, 6 when unset, and refuses anything else", () => {
    expect(ioredisMajor({})).toBe(6);
    expect(ioredisMajor({ HOLDFAST_IOREDIS: "" })).toBe(6);
    expect(ioredisMajor({ HOLDFAST_IOREDIS: "5" })).toBe(5);
    expect(ioredisMajor({ HOLDFAST_IOREDIS: " 6 " })).toBe(6);
    expect(() => ioredisMajor({ HOLDFAST_IOREDIS: "4" })).toThrow(/HOLDFAST_IOREDIS must be 5 or 6, got "4"/);
  });

  it.each(IOREDIS_MAJORS)("builds clients, clusters and commands of ioredis %i", (major) => {
    const mod = major === 5 ? v5 : v6;
    expect(ioredisVersion(major).split(".")[0]).toBe(String(major));
    expect(ioredisModule(major).Redis).toBe(mod.Redis);
    expect(ioredisModule(major).Cluster).toBe(mod.Cluster);
    expect(ioredisCommandClass(major)).toBe(mod.Command);
    const client = newRedisClient({ lazyConnect: true }, major);
    const cluster = newClusterClient([{ host: "127.0.0.1", port: 1 }], { lazyConnect: true }, major);
    expect(client).toBeInstanceOf(mod.Redis);
    expect(cluster).toBeInstanceOf(mod.Cluster);
    expect(client).not.toBeInstanceOf((major === 5 ? v6 : v5).Redis);
    client.disconnect();
    cluster.disconnect();
  });
});
