/**
 * The public API of Rotor's packages, two ways: what each entry point of
 * each package.json `exports` map exports (read by the TypeScript compiler
 * from the entry's source, types included), and what docs/api.md says it
 * exports. test/packages/public-api.test.ts keeps the two equal.
 *
 * docs/api.md has a `### \`<package>[/<path>]\`` heading per entry point,
 * then one line per exported name: ``- `name`: what it is`` for a value
 * (function, class, constant), ``- `Name` (type): what it is`` for a type
 * only. An entry point that re-exports another says so in one line
 * instead: ``The same names as `@rotor/cloud-api`.``
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { REPO_ROOT } from "../../../scripts/build/bundle-functions.ts";

export interface ExportedName {
  name: string;
  /** A type only (interface, type alias): gone from the JavaScript. */
  typeOnly: boolean;
  /** The first sentence of its doc comment, if it has one: a start for its line in docs/api.md. */
  summary: string;
}

export interface EntryPoint {
  /** `@rotor/core/engine`: the package's name and the export path. */
  specifier: string;
  /** Its source file, absolute. */
  source: string;
}

interface PackageJson {
  name: string;
  exports: Record<string, { source: string }>;
}

/** Every entry point of every package under src/, from its exports map. */
export function entryPoints(): EntryPoint[] {
  return readdirSync(join(REPO_ROOT, "src"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const folder = join(REPO_ROOT, "src", entry.name);
      const manifest = JSON.parse(
        readFileSync(join(folder, "package.json"), "utf8"),
      ) as PackageJson;
      return Object.entries(manifest.exports).map(([path, target]) => ({
        specifier: path === "." ? manifest.name : `${manifest.name}/${path.slice(2)}`,
        source: join(folder, target.source),
      }));
    });
}

/** What each entry point exports, by specifier, sorted by name. */
export function exportedNames(entries: EntryPoint[]): Map<string, ExportedName[]> {
  const { config } = ts.readConfigFile(join(REPO_ROOT, "tsconfig.base.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, REPO_ROOT);
  const program = ts.createProgram(
    entries.map((entry) => entry.source),
    { ...options, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const result = new Map<string, ExportedName[]>();
  for (const entry of entries) {
    const file = program.getSourceFile(entry.source);
    const module = file && checker.getSymbolAtLocation(file);
    if (!module) throw new Error(`cannot read the exports of ${entry.source}`);
    const names = checker.getExportsOfModule(module).map((symbol) => {
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const comment = ts
        .displayPartsToString(target.getDocumentationComment(checker))
        .replace(/\s+/g, " ")
        .trim();
      return {
        name: symbol.name,
        typeOnly: (target.flags & ts.SymbolFlags.Value) === 0,
        summary: /^(.*?\.)(\s|$)/.exec(comment)?.[1] ?? comment,
      };
    });
    result.set(
      entry.specifier,
      names.sort((a, b) => a.name.localeCompare(b.name)),
    );
  }
  return result;
}

export interface DocumentedEntry {
  specifier: string;
  /** The entry point whose names this one re-exports, if it says so. */
  sameAs?: string;
  names: { name: string; typeOnly: boolean; description: string; line: number }[];
}

/** The entry points docs/api.md documents, in its order. */
export function parseApiDoc(text: string): DocumentedEntry[] {
  const entries: DocumentedEntry[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    const heading = /^### `([^`]+)`\s*$/.exec(line);
    if (heading?.[1]) {
      entries.push({ specifier: heading[1], names: [] });
      continue;
    }
    const current = entries.at(-1);
    if (!current) continue;
    const sameAs = /^The same names as `([^`]+)`\.$/.exec(line);
    if (sameAs?.[1]) current.sameAs = sameAs[1];
    const name = /^- `([^`]+)`( \(type\))?:(.*)$/.exec(line);
    if (name?.[1]) {
      current.names.push({
        name: name[1],
        typeOnly: name[2] !== undefined,
        description: (name[3] ?? "").trim(),
        line: index + 1,
      });
    }
  }
  return entries;
}

/** The line docs/api.md should hold for a name. */
export function apiDocLine(name: ExportedName): string {
  return `- \`${name.name}\`${name.typeOnly ? " (type)" : ""}: ${name.summary || "…"}`;
}
