/**
 * Debian's Chromium driven by playwright-core, with the flags this machine needs (no sandbox in
 * containers, no GPU, no background traffic). Close the browser in `afterAll`: playwright then
 * removes its temporary profile, so a run leaves no process and no folder behind.
 */
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** True when the page tests can run here (or must: CI). */
export const hasChromium = existsSync(CHROMIUM) || process.env.CI === "true";

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
