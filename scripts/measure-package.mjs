#!/usr/bin/env node
// What a library-only user pays for `npm install holdfast` and `import "holdfast"`: packs this
// checkout (after `npm run build`), installs the tarball into a fresh temporary project (npm also
// installs the ioredis peer), then reports the installed size (du), the cold import time (the
// median of RUNS fresh processes) and which packages the import loaded, and checks that require()
// works. The temporary project is removed afterwards.
//
//   node scripts/measure-package.mjs                 # this checkout, 15 runs
//   node scripts/measure-package.mjs --root ../other --runs 25 --no-build
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const root = resolve(flag("--root", "."));
const runs = Number(flag("--runs", "15"));
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a positive integer, got ${flag("--runs")}`);

const sh = (cmd, cmdArgs, cwd) => execFileSync(cmd, cmdArgs, { cwd, encoding: "utf8", stdio: "pipe" });
const kib = (dir) => Number(sh("du", ["-sk", dir]).split("\t")[0]);
const mib = (k) => `${(k / 1024).toFixed(1)} MiB`;

const work = mkdtempSync(join(tmpdir(), "holdfast-measure-"));
try {
  if (!args.includes("--no-build")) {
    process.stderr.write("building… ");
    sh("npm", ["run", "build", "--silent"], root);
    process.stderr.write("done\n");
  }
  const tarball = join(
    work,
    sh("npm", ["pack", "--silent", "--pack-destination", work], root).trim().split("\n").pop(),
  );
  const project = join(work, "app");
  sh("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "app", private: true, type: "module" }),
  );
  process.stderr.write("installing the tarball into a fresh project… ");
  // npm prints its warnings (EBADENGINE…) on stderr.
  const installed = spawnSync("npm", ["install", "--no-audit", "--no-fund", tarball], {
    cwd: project,
    encoding: "utf8",
  });
  if (installed.status !== 0) throw new Error(`npm install failed:\n${installed.stderr}`);
  const install = `${installed.stdout}\n${installed.stderr}`;
  process.stderr.write("done\n");
  const nm = join(project, "node_modules");
  const packages = readdirSync(nm).flatMap((d) =>
    d.startsWith("@") ? readdirSync(join(nm, d)).map((s) => `${d}/${s}`) : d.startsWith(".") ? [] : [d],
  );

  const probe = `const c = process.cpuUsage(); const t = performance.now(); await import("holdfast");
const ms = performance.now() - t; const u = process.cpuUsage(c); const cpuMs = (u.user + u.system) / 1000;
const { createRequire } = await import("node:module");
const loaded = [...new Set(Object.keys(createRequire(import.meta.url).cache)
  .map((p) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(p)?.[1]).filter(Boolean))];
console.log(JSON.stringify({ ms, cpuMs, loaded }));`;
  const times = [];
  const cpu = [];
  let loaded = [];
  for (let i = 0; i < runs; i++) {
    const out = JSON.parse(sh(process.execPath, ["--input-type=module", "-e", probe], project));
    times.push(out.ms);
    cpu.push(out.cpuMs);
    loaded = out.loaded;
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  let requireWorks;
  try {
    sh(process.execPath, ["-e", "require('holdfast').createStore"], project);
    requireWorks = "yes";
  } catch (e) {
    requireWorks = `no: ${
      String(e.stderr ?? e)
        .split("\n")
        .find((l) => l.includes("Error")) ?? e
    }`;
  }

  console.log(`node ${process.version}; ${root}`);
  console.log(`tarball: ${mib(kib(tarball))}`);
  console.log(
    `installed (node_modules of a project with only holdfast): ${mib(kib(nm))}, ${packages.length} packages`,
  );
  console.log(`  of which holdfast itself: ${mib(kib(join(nm, "holdfast")))}`);
  const biggest = packages
    .map((p) => [p, kib(join(nm, p))])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([p, k]) => `${p} ${mib(k)}`);
  console.log(`  largest: ${biggest.join(", ")}`);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `cold import("holdfast"), ${runs} fresh processes: median ${median.toFixed(0)} ms ` +
      `(min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}); ` +
      `CPU time (user + system, moves less with the machine's load): median ${cpu[Math.floor(cpu.length / 2)].toFixed(0)} ms`,
  );
  console.log(`packages loaded by the import (CommonJS ones): ${loaded.sort().join(", ") || "none"}`);
  console.log(`require("holdfast") works: ${requireWorks}`);
  const warnings = install.split("\n").filter((l) => /EBADENGINE|deprecated|ERESOLVE|peer/i.test(l));
  console.log(`npm install warnings: ${warnings.length === 0 ? "none" : "\n" + warnings.join("\n")}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
