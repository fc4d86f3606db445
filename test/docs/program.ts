/**
 * Turns the TypeScript blocks of the docs into modules, typechecks them in one TypeScript program
 * against the package's public entry points, and writes the runnable copies.
 *
 * `holdfast`, `holdfast/server`, `holdfast/client` resolve the way they resolve for a user: through
 * package.json `exports` (a subpath that `exports` does not name does not resolve). Since `dist/`
 * is not built in a checkout, the `types`/`default` target an export names under `dist/` is read
 * from the `src/` file it is built from (tsconfig.build.json: rootDir `src` → outDir `dist`).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { CODE_LANGS, type DocBlock, type ParsedDoc } from "./markdown.js";

const PACKAGE = "holdfast";

/**
 * The source file a self-reference to the package resolves to through package.json `exports`
 * (`types` for the typechecker, `default` at run time), or undefined when `exports` does not name it.
 */
export function selfReference(
  root: string,
  specifier: string,
  condition: "types" | "default",
): string | undefined {
  if (specifier !== PACKAGE && !specifier.startsWith(`${PACKAGE}/`)) return undefined;
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    exports: Record<string, string | Record<string, string>>;
  };
  const build = JSON.parse(readFileSync(join(root, "tsconfig.build.json"), "utf8")) as {
    compilerOptions: { rootDir: string; outDir: string };
  };
  const subpath = specifier === PACKAGE ? "." : `./${specifier.slice(PACKAGE.length + 1)}`;
  const entry = pkg.exports[subpath];
  const target = typeof entry === "string" ? entry : entry?.[condition];
  if (!target) return undefined;
  const { rootDir, outDir } = build.compilerOptions;
  const built = `./${outDir}/`;
  if (!target.startsWith(built)) return join(root, target);
  return join(root, rootDir, target.slice(built.length).replace(/\.d\.ts$|\.js$/, ".ts"));
}

/** Is `specifier` a self-reference (whether or not `exports` names it)? */
export const isSelfReference = (specifier: string) =>
  specifier === PACKAGE || specifier.startsWith(`${PACKAGE}/`);

/** Where one generated file came from, to map a diagnostic back to the document. */
interface Origin {
  doc: string;
  /** Document line of the generated file's line 0. */
  firstLine: number;
  /** The key diagnostics are filed under: `<doc>:<fence line>` or `<doc>:context`. */
  key: string;
}

export interface GeneratedDocs {
  /** Typecheck copies (specifiers as written). */
  checkFiles: string[];
  /** key → the runnable module of that block (specifiers rewritten to the package's sources). */
  runFile: Map<string, string>;
  origins: Map<string, Origin>;
}

export const blockKey = (b: Pick<DocBlock, "doc" | "line">) => `${b.doc}:${b.line}`;
const slug = (doc: string) => doc.replace(/\.md$/, "").replace(/[^\w]+/g, "_");

function sourceFile(name: string, code: string): ts.SourceFile {
  return ts.createSourceFile(name, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

/** Names a module binds at its top level (imports and declarations). */
function boundNames(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (n: ts.BindingName) => {
    if (ts.isIdentifier(n)) names.add(n.text);
    else for (const e of n.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  for (const s of file.statements) {
    if (ts.isImportDeclaration(s) && s.importClause) {
      const c = s.importClause;
      if (c.name) names.add(c.name.text);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) names.add(c.namedBindings.name.text);
      else if (c.namedBindings) for (const e of c.namedBindings.elements) names.add(e.name.text);
    } else if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) bind(d.name);
    } else if (
      (ts.isFunctionDeclaration(s) ||
        ts.isClassDeclaration(s) ||
        ts.isInterfaceDeclaration(s) ||
        ts.isTypeAliasDeclaration(s) ||
        ts.isEnumDeclaration(s) ||
        ts.isImportEqualsDeclaration(s)) &&
      s.name
    ) {
      names.add(s.name.text);
    }
  }
  return names;
}

/** What a context module exports: name → whether it is only a type. */
function contextExports(file: ts.SourceFile): Map<string, boolean> {
  const out = new Map<string, boolean>();
  const exported = (s: ts.Statement) =>
    ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const s of file.statements) {
    if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause)) {
      for (const e of s.exportClause.elements) out.set(e.name.text, s.isTypeOnly || e.isTypeOnly);
    } else if (exported(s)) {
      const typeOnly = ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s);
      if (ts.isVariableStatement(s)) {
        for (const name of boundNames(sourceFile("x.ts", s.getText()))) out.set(name, false);
      } else if ("name" in s && s.name && ts.isIdentifier(s.name as ts.Node)) {
        out.set((s.name as ts.Identifier).text, typeOnly);
      }
    }
  }
  return out;
}

/** Every identifier a module mentions (to import only the context names a block uses). */
function mentioned(file: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node) => {
    if (ts.isIdentifier(n)) names.add(n.text);
    n.forEachChild(visit);
  };
  visit(file);
  return names;
}

/** `code` with every self-reference specifier replaced by a relative path to its source file. */
function rewriteSpecifiers(root: string, fileName: string, code: string): string {
  const file = sourceFile(fileName, code);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (n: ts.Node) => {
    let literal: ts.Node | undefined;
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier)
      literal = n.moduleSpecifier;
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) literal = n.arguments[0];
    if (literal && ts.isStringLiteral(literal) && isSelfReference(literal.text)) {
      const target = selfReference(root, literal.text, "default");
      // Not in `exports`: left as written, so the typecheck reports it and running fails too.
      if (!target) return;
      let rel = relative(dirname(fileName), target);
      if (!rel.startsWith(".")) rel = `./${rel}`;
      edits.push({ start: literal.getStart(file), end: literal.getEnd(), text: JSON.stringify(rel) });
    }
    n.forEachChild(visit);
  };
  visit(file);
  let out = code;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Writes every document's context, named files and code blocks under `dir` (check/ and run/). */
export function generateDocModules(root: string, docs: readonly ParsedDoc[], dir: string): GeneratedDocs {
  const out: GeneratedDocs = { checkFiles: [], runFile: new Map(), origins: new Map() };
  for (const d of docs) {
    const base = slug(d.doc);
    const emit = (name: string, code: string, origin: Origin, runKey?: string) => {
      const check = join(dir, "check", base, name);
      const run = join(dir, "run", base, name);
      write(check, code);
      write(run, name.endsWith(".ts") ? rewriteSpecifiers(root, run, code) : code);
      if (name.endsWith(".ts")) {
        out.checkFiles.push(check);
        out.origins.set(check, origin);
      }
      if (runKey) out.runFile.set(runKey, run);
    };
    const exports = d.context
      ? contextExports(sourceFile("context.ts", d.context.code))
      : new Map<string, boolean>();
    if (d.context) {
      emit("context.ts", d.context.code, { doc: d.doc, firstLine: d.context.line, key: `${d.doc}:context` });
    }
    for (const b of d.blocks) {
      if (b.skip) continue;
      if (!CODE_LANGS.has(b.lang)) {
        // A named file in another language (a .lua script beside its twin): written, not run.
        if (b.file) emit(b.file, b.code, { doc: b.doc, firstLine: b.line + 1, key: blockKey(b) });
        continue;
      }
      const file = sourceFile("block.ts", b.code);
      const own = boundNames(file);
      const used = mentioned(file);
      const names = [...exports]
        .filter(([name]) => used.has(name) && !own.has(name))
        .map(([name, typeOnly]) => (typeOnly ? `type ${name}` : name));
      // Line 0 of the module is this header, so the block's first line is the module's line 1.
      const header = `${names.length > 0 ? `import { ${names.join(", ")} } from "./context.js"; ` : ""}export {};`;
      const name = b.file ?? `block-${b.line}.ts`;
      emit(name, `${header}\n${b.code}\n`, { doc: b.doc, firstLine: b.line, key: blockKey(b) }, blockKey(b));
    }
  }
  return out;
}

/** Compiler options: the project's (strict), minus the unused-name checks examples cannot meet. */
function compilerOptions(root: string): ts.CompilerOptions {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  return {
    ...parsed.options,
    noEmit: true,
    // `const { allowed, retryAfterMs } = …` shows the reader what a call returns; that is the point.
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
}

/**
 * Typechecks every generated module in one program. Returns the diagnostics per block key (and
 * `<doc>:context`), each as `<doc>:<line>: <message>`.
 */
export function typecheckDocModules(root: string, generated: GeneratedDocs): Map<string, string[]> {
  const options = compilerOptions(root);
  const host = ts.createCompilerHost(options);
  const cache = ts.createModuleResolutionCache(root, (f) => f, options);
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts, containing) =>
    literals.map((literal) => {
      if (isSelfReference(literal.text)) {
        const target = selfReference(root, literal.text, "types");
        return {
          resolvedModule: target
            ? { resolvedFileName: target, extension: ts.Extension.Ts, isExternalLibraryImport: false }
            : undefined,
        };
      }
      const mode = ts.getModeForUsageLocation(containing, literal, opts);
      return ts.resolveModuleName(literal.text, containingFile, opts, host, cache, redirected, mode);
    });
  const program = ts.createProgram({ rootNames: generated.checkFiles, options, host });
  const out = new Map<string, string[]>();
  const diagnostics = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()];
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const origin = d.file ? generated.origins.get(d.file.fileName) : undefined;
    if (!d.file || !origin || d.start === undefined) {
      const where = d.file ? relative(root, d.file.fileName) : "(program)";
      const list = out.get("(elsewhere)") ?? [];
      list.push(`${where}: ${message}`);
      out.set("(elsewhere)", list);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const list = out.get(origin.key) ?? [];
    list.push(`${origin.doc}:${origin.firstLine + line}: TS${d.code} ${message}`);
    out.set(origin.key, list);
  }
  return out;
}
