/**
 * What users read names Rotor's code by its packages (`@rotor/client/pg`,
 * `@rotor/core`), never by the names it had when it could only be cloned
 * (`rotor/client`, `rotor/src/...`): the README, docs/, templates/,
 * functions/ and every package's sources, READMEs and printed messages.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../architecture/import-graph.ts";

/** `rotor/<something of the repository>` not preceded by a scope, a path or a word. */
const OLD_NAME = /(?<![@\w/.-])rotor\/(client|src|testing|core|local-cloud|cloud-api|cli|bin)\b/g;
const READ_BY_USERS = ["README.md", "docs", "templates", "functions", "src"];
const TEXT_FILE = /\.(ts|mts|mjs|md|json|yaml)$/;

/** Every text file under the given files and folders, relative to the repository. */
function textFiles(entries: readonly string[]): string[] {
  return entries.flatMap((entry) => {
    const path = join(REPO_ROOT, entry);
    if (TEXT_FILE.test(entry)) return [entry];
    return readdirSync(path, { recursive: true, withFileTypes: true })
      .filter((each) => each.isFile() && TEXT_FILE.test(each.name))
      .map((each) => relative(REPO_ROOT, join(each.parentPath, each.name)))
      .filter((file) => !/(^|\/)(node_modules|dist)\//.test(file));
  });
}

/** `file:line: text` for each old package name in the given text. */
function oldNames(file: string, text: string): string[] {
  return text
    .split("\n")
    .flatMap((line, index) =>
      [...line.matchAll(OLD_NAME)].map((match) => `${file}:${index + 1}: ${match[0]}`),
    );
}

describe("package names in what users read", () => {
  it("tells an old name from a package name, a path and a word", () => {
    // Act
    const found = oldNames(
      "example.md",
      [
        "the pool from rotor/client",
        "import { x } from 'rotor/src/client/index.ts';",
        "the pool of @rotor/client/pg",
        "src/cli/bin/rotor/cli.mjs",
        "a motor/client",
      ].join("\n"),
    );
    // Assess
    expect(found).toEqual(["example.md:1: rotor/client", "example.md:2: rotor/src"]);
  });

  it("names no package by its old name", () => {
    // Act
    const files = textFiles(READ_BY_USERS);
    const found = files.flatMap((file) =>
      oldNames(file, readFileSync(join(REPO_ROOT, file), "utf8")),
    );
    // Assess
    expect(files.length).toBeGreaterThan(300);
    expect(found).toEqual([]);
  });
});
