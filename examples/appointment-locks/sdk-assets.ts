/**
 * Serves `holdfast/client` to the browser as one ES module (`/sdk/index.js`), bundled by esbuild
 * from what the package name resolves to (../support/bundle-page.ts): the page imports the client
 * the way users do, and a checkout runs it without `npm run build`.
 */
import { bundlePage, packageSource } from "../support/bundle-page.js";

let bundle: Promise<string> | undefined;

export async function sdkAsset(file: string): Promise<string | undefined> {
  if (file !== "index.js") return undefined;
  bundle ??= bundlePage(packageSource("holdfast/client"), { production: true });
  try {
    return await bundle;
  } catch (e) {
    bundle = undefined;
    throw e;
  }
}
