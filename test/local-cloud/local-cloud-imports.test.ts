import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const LOCAL_CLOUD = join(SRC, "local-cloud");
/**
 * The product's own code: the local cloud is what tests measure the product
 * against, so sharing code with it would let one bug pass in both.
 */
const PRODUCT_FOLDERS = ["rotators", "engine", "handler", "scheduler"];

/** Every static, type-only and dynamic import specifier in a module's text. */
function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(
    /\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']/g,
  )) {
    const specifier = match[1] ?? match[2];
    if (specifier) found.push(specifier);
  }
  return found;
}

async function typeScriptFilesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("the local cloud's imports", () => {
  it("reads the import specifiers it checks (static, type-only and dynamic)", () => {
    // Act
    const specifiers = importSpecifiers(
      [
        'import { a } from "./a.ts";',
        'import type { B } from "../b.ts";',
        "const c = await import('./c.ts');",
        "export { d } from './d.ts';",
      ].join("\n"),
    );
    // Assess
    expect(specifiers).toEqual(["./a.ts", "../b.ts", "./c.ts", "./d.ts"]);
  });

  it("takes nothing from the product's rotators, engine, handler or scheduler", async () => {
    // Prepare
    const files = await typeScriptFilesUnder(LOCAL_CLOUD);
    const crossings: string[] = [];
    // Act
    for (const file of files) {
      for (const specifier of importSpecifiers(await readFile(file, "utf8"))) {
        if (!specifier.startsWith(".")) continue;
        const target = relative(SRC, resolve(dirname(file), specifier));
        if (PRODUCT_FOLDERS.some((folder) => target.startsWith(`${folder}/`))) {
          crossings.push(`${relative(SRC, file)} imports ${specifier}`);
        }
      }
    }
    // Assess
    expect(files.length).toBeGreaterThan(10);
    expect(crossings).toEqual([]);
  });
});
