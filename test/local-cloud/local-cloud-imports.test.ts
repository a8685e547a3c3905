import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");
const LOCAL_CLOUD = join(SRC, "local-cloud");
/**
 * The product's own code, in every other Rotor package: the local cloud is
 * what tests measure the product against, so sharing code with it would let
 * one bug pass in both.
 */
const ROTOR_PACKAGE = /^(@rotor\/|rotor(\/|$))/;

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
  return (
    entries
      // A build's declarations (dist/*.d.ts) are not sources.
      .filter(
        (entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"),
      )
      .map((entry) => join(entry.parentPath, entry.name))
  );
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

  it("takes nothing from the product: no other Rotor package, no file outside its folder", async () => {
    // Prepare
    const files = await typeScriptFilesUnder(LOCAL_CLOUD);
    const crossings: string[] = [];
    // Act
    for (const file of files) {
      for (const specifier of importSpecifiers(await readFile(file, "utf8"))) {
        const outside = specifier.startsWith(".")
          ? relative(LOCAL_CLOUD, resolve(dirname(file), specifier)).startsWith("..")
          : ROTOR_PACKAGE.test(specifier);
        if (outside) crossings.push(`${relative(SRC, file)} imports ${specifier}`);
      }
    }
    // Assess
    expect(files.length).toBeGreaterThan(10);
    expect(crossings).toEqual([]);
  });
});
