/**
 * Runs before each test file (vitest.config.ts `setupFiles`). The forks are reused from file to
 * file, so without this a file would get the Holdfast modules — and their state: metrics
 * registries, caches, hooks a support module registers when first imported — that an earlier file
 * in the same fork loaded. Emptying the registry makes every file import them afresh, as it would
 * in a process of its own; node_modules packages stay loaded, which is the time this saves.
 */
import { vi } from "vitest";

vi.resetModules();
