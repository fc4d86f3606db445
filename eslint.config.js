// Type-aware linting: the async rules (no-floating-promises, no-misused-promises) catch real bugs
// in code where every store call is a promise.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "examples/**/public/**", ".tmp/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", URL: "readonly", console: "readonly" } },
  },
  {
    files: ["test/**/*.ts", "test/**/*.tsx", "bench/**/*.ts", "src/**/*.test.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    // The seed apps and the benchmarks use Holdfast as its users do: by the package's name
    // (`holdfast`, `holdfast/server`, `holdfast/client`…, which tsconfig `paths` and the vitest
    // aliases map to src/), never its internals or the tests' helpers. Process fixtures shared with
    // the tests live in bench/support.
    files: ["examples/**/*.ts", "examples/**/*.tsx", "examples/**/*.js", "bench/**/*.ts", "bench/**/*.js"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/src", "**/src/**", "**/test", "**/test/**", "**/dist", "**/dist/**"],
              message:
                "Import the public API by name (holdfast, holdfast/server, holdfast/client…); fixtures shared with the tests live in bench/support.",
            },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportExpression[source.value=/(^|\\/)(src|test|dist)(\\/|$)/]",
          message: "Import the public API by name (holdfast, holdfast/server, holdfast/client…).",
        },
      ],
    },
  },
  {
    // The dashboard page reads the service's own definitions of its replies and events (zod reply
    // schemas, live-events.ts), as types only: a value import would bundle server code (and zod)
    // into the page.
    files: ["dashboard/**/*.ts", "dashboard/**/*.tsx"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/src/server/**", "zod"],
              allowTypeImports: true,
              message: "The page takes only types from the server: write `import type`.",
            },
          ],
        },
      ],
    },
  },
);
