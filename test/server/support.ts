import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../src/server/app.js";
import { StoreKeyStore } from "../../src/server/auth/key-store.js";
import { mintApiKey } from "../../src/server/auth/api-keys.js";
import type { Store } from "../../src/store/types.js";

export function tempKeysFile(): string {
  return join(mkdtempSync(join(tmpdir(), "holdfast-keys-")), "keys.json");
}

/** An in-process app on `store` with its keys in the store; helpers to mint keys. */
export async function testApp(store: Store) {
  const keyStore = new StoreKeyStore(store);
  const { app, context } = await buildApp({ store, keyStore, logLevel: "silent", keyCacheMs: 0 });
  await app.ready();
  return {
    app,
    context,
    keyStore,
    async key(role: "client" | "admin", tenants: string[] = ["acme"]) {
      const { key, record } = mintApiKey({ name: "test", role, tenants });
      await keyStore.put(record);
      return { key, id: record.id, record };
    },
  };
}
