/**
 * The import graph of src/: every Rotor package's source files and what
 * each imports (static, type-only, dynamic and re-exports), read with the
 * TypeScript scanner so that examples in comments do not count. An import
 * of a Rotor package by name is followed through its exports map (the
 * `source` condition) to the file it names.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// From import.meta.url, which Vite keeps true when a config file bundles this module.
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SRC = join(REPO_ROOT, "src");

export interface PackageInfo {
  name: string;
  /** The package's folder, relative to the repository (e.g. `src/core`). */
  folder: string;
  /** Subpath (`.`, `./engine`) → the source file it exports, relative to the repository. */
  exports: Map<string, string>;
  /** What the package may import: its dependencies and peer dependencies. */
  declared: Set<string>;
}

export type ImportKind = "relative" | "rotor-package" | "third-party" | "node";

export interface ImportEdge {
  /** The importing file, relative to the repository. */
  from: string;
  specifier: string;
  kind: ImportKind;
  /** The file imported, for a relative import or a Rotor package's export. */
  to?: string | undefined;
  /** The package named, for a bare specifier (`@rotor/core`, `zod`). */
  packageName?: string | undefined;
}

export interface ImportGraph {
  packages: PackageInfo[];
  files: string[];
  edges: ImportEdge[];
  /** Problems found while reading it: a Rotor subpath that is not exported, a file that is missing. */
  unresolved: string[];
}

interface PackageJson {
  name: string;
  exports?: Record<string, { source?: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Every import specifier in a module's text, comments excluded. */
export function importSpecifiers(source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map((file) => file.fileName);
}

export function readPackages(): PackageInfo[] {
  const packages: PackageInfo[] = [];
  for (const entry of readdirSync(SRC, { withFileTypes: true })) {
    const manifestPath = join(SRC, entry.name, "package.json");
    if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as PackageJson;
    const folder = `src/${entry.name}`;
    const exports = new Map<string, string>();
    for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
      if (conditions.source) exports.set(subpath, join(folder, conditions.source));
    }
    packages.push({
      name: manifest.name,
      folder,
      exports,
      declared: new Set([
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]),
    });
  }
  return packages;
}

/** The package a file belongs to. */
export function packageOf(packages: PackageInfo[], file: string): PackageInfo | undefined {
  return packages.find((each) => file.startsWith(`${each.folder}/`));
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder), { recursive: true, withFileTypes: true })
    .filter(
      (entry) =>
        entry.isFile() &&
        /\.(ts|mts|mjs|js)$/.test(entry.name) &&
        !entry.name.endsWith(".d.ts") &&
        !/\/(dist|node_modules)(\/|$)/.test(entry.parentPath),
    )
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

export function readImportGraph(): ImportGraph {
  const packages = readPackages();
  const files = packages.flatMap((each) => sourceFiles(each.folder));
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const from of files) {
    const text = readFileSync(join(REPO_ROOT, from), "utf8");
    for (const specifier of importSpecifiers(text)) {
      if (specifier.startsWith(".")) {
        const to = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(from), specifier));
        if (!existsSync(join(REPO_ROOT, to)))
          unresolved.push(`${from}: ${specifier} does not exist`);
        edges.push({ from, specifier, kind: "relative", to });
        continue;
      }
      const bare = specifier.replace(/^node:/, "");
      if (specifier.startsWith("node:") || builtinModules.includes(packageNameOf(bare))) {
        edges.push({ from, specifier, kind: "node" });
        continue;
      }
      const packageName = packageNameOf(specifier);
      const rotorPackage = packages.find((each) => each.name === packageName);
      if (rotorPackage === undefined) {
        edges.push({ from, specifier, kind: "third-party", packageName });
        continue;
      }
      const subpath = `.${specifier.slice(packageName.length)}`;
      const to = rotorPackage.exports.get(subpath);
      if (to === undefined) unresolved.push(`${from}: ${packageName} exports no ${subpath}`);
      edges.push({ from, specifier, kind: "rotor-package", to, packageName });
    }
  }
  return { packages, files, edges, unresolved };
}

/** Every circle of imports: the strongly connected components of more than one file (or a file importing itself). */
export function importCircles(files: string[], edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const edge of edges) {
    if (edge.to !== undefined && next.has(edge.to)) next.get(edge.from)?.push(edge.to);
  }
  // Tarjan's algorithm, iterative so a long chain cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  let counter = 0;
  for (const start of files) {
    if (index.has(start)) continue;
    const work: { file: string; child: number }[] = [{ file: start, child: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { file: string; child: number };
      const targets = next.get(frame.file) ?? [];
      if (frame.child < targets.length) {
        const target = targets[frame.child++] as string;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ file: target, child: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.file, Math.min(low.get(frame.file) ?? 0, index.get(target) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent)
        low.set(parent.file, Math.min(low.get(parent.file) ?? 0, low.get(frame.file) ?? 0));
      if (low.get(frame.file) === index.get(frame.file)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.file);
        const selfImport = targets.includes(frame.file);
        if (component.length > 1 || selfImport) circles.push(component.sort());
      }
    }
  }
  return circles.sort((a, b) => (a[0] ?? "").localeCompare(b[0] ?? ""));
}
