/**
 * docs/api.md is the public API of every Rotor package: each entry point
 * of each exports map, and each name it exports, with one line saying
 * what it is. Adding, removing or renaming an export, or turning a value
 * into a type, fails here until docs/api.md says so.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import {
  apiDocLine,
  type DocumentedEntry,
  entryPoints,
  exportedNames,
  parseApiDoc,
} from "./support/public-api.ts";

const API_DOC = "docs/api.md";

/** `name` or `name (type)`: what the document and the code are compared on. */
const signature = (name: { name: string; typeOnly: boolean }) =>
  `${name.name}${name.typeOnly ? " (type)" : ""}`;

describe("docs/api.md", () => {
  const documented = parseApiDoc(readFileSync(join(REPO_ROOT, API_DOC), "utf8"));
  const entries = entryPoints();
  const exported = exportedNames(entries);
  const bySpecifier = new Map(documented.map((entry) => [entry.specifier, entry]));

  /** The names a documented entry point lists, following "The same names as". */
  const documentedNames = (entry: DocumentedEntry): DocumentedEntry["names"] => {
    if (entry.sameAs === undefined) return entry.names;
    const target = bySpecifier.get(entry.sameAs);
    return target ? documentedNames(target) : [];
  };

  it("reads entry points, names, types and re-exports from the page's lines", () => {
    // Act
    const parsed = parseApiDoc(
      [
        "## @rotor/x",
        "",
        "### `@rotor/x`",
        "",
        "- `makeThing`: makes a thing",
        "- `Thing` (type): a thing",
        "",
        "### `@rotor/x/again`",
        "",
        "The same names as `@rotor/x`.",
      ].join("\n"),
    );
    // Assess
    expect(parsed).toEqual([
      {
        specifier: "@rotor/x",
        names: [
          { name: "makeThing", typeOnly: false, description: "makes a thing", line: 5 },
          { name: "Thing", typeOnly: true, description: "a thing", line: 6 },
        ],
      },
      { specifier: "@rotor/x/again", sameAs: "@rotor/x", names: [] },
    ]);
  });

  it("documents every entry point of every package's exports map, and no other", () => {
    // Assess
    expect(entries.length).toBeGreaterThan(20);
    expect(documented.map((entry) => entry.specifier).sort()).toEqual(
      entries.map((entry) => entry.specifier).sort(),
    );
  });

  it("lists exactly the names each entry point exports, types marked (type)", () => {
    // Act: per entry point, what the page lacks (as the line to add) and what it has too many.
    const differences = entries.flatMap(({ specifier }) => {
      const entry = bySpecifier.get(specifier);
      const actual = exported.get(specifier) ?? [];
      const listed = new Set(entry ? documentedNames(entry).map(signature) : []);
      const wanted = new Set(actual.map(signature));
      const missing = actual.filter((name) => !listed.has(signature(name))).map(apiDocLine);
      const extra = [...listed].filter((name) => !wanted.has(name));
      return missing.length + extra.length === 0 ? [] : [{ specifier, missing, extra }];
    });
    // Assess
    expect(differences, `${API_DOC} differs from the packages' exports`).toEqual([]);
  });

  it("says in one line what each name is, and lists it once", () => {
    // Act
    const problems = documented.flatMap((entry) => {
      const seen = new Set<string>();
      return entry.names.flatMap((name) => {
        const found: string[] = [];
        if (name.description.length === 0 || name.description === "…")
          found.push(`${API_DOC}:${name.line}: ${name.name} has no description`);
        if (seen.has(name.name)) found.push(`${API_DOC}:${name.line}: ${name.name} listed twice`);
        seen.add(name.name);
        return found;
      });
    });
    // Assess
    expect(problems).toEqual([]);
  });

  it("re-exports only entry points it documents", () => {
    // Act
    const dangling = documented
      .filter((entry) => entry.sameAs !== undefined && !bySpecifier.has(entry.sameAs))
      .map((entry) => `${entry.specifier} → ${entry.sameAs}`);
    // Assess
    expect(dangling).toEqual([]);
  });
});
