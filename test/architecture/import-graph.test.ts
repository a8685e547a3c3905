/**
 * The layers of src/ point one way (docs/architecture.md). Over every
 * import in every package (static, type-only, dynamic, re-exports):
 * - no circle of imports anywhere;
 * - inside @rotor/core, no import from a lower layer to a higher one:
 *   contract/ < rotators/<kind>/ < rotators/ (registry) < engine/ <
 *   scheduler/, notify/ < audit/ < functions/; a rotator imports no other kind's
 *   folder, and the engine no rotator;
 * - no relative import reaches into another package, and no package
 *   imports itself by name;
 * - every package a file imports by name is a declared dependency (or peer
 *   dependency) of its package, and every Rotor subpath it names is
 *   exported.
 *
 * The lists of known exceptions below are empty and must match exactly:
 * a new circle or upward import fails, and adding one to a list is a
 * visible decision with a comment saying what must change.
 */
import { describe, expect, it } from "vitest";
import {
  type ImportEdge,
  importCircles,
  importSpecifiers,
  packageOf,
  readImportGraph,
} from "./import-graph.ts";

/** Circles of imports that exist today. */
const KNOWN_CIRCLES: readonly (readonly string[])[] = [];

/** Imports inside @rotor/core from a lower layer to a higher one that exist today. */
const KNOWN_LAYER_EXCEPTIONS: readonly string[] = [];

/** Each folder of @rotor/core and its layer; a file imports only its own layer or lower ones. */
const CORE_LAYERS: readonly (readonly [RegExp, number])[] = [
  [/^src\/core\/contract\//, 1],
  [/^src\/core\/rotators\/[^/]+\//, 2],
  [/^src\/core\/rotators\/[^/]+$/, 3],
  [/^src\/core\/engine\//, 4],
  [/^src\/core\/(scheduler|notify)\//, 5],
  // The audit judges secrets with the scheduler's own rules.
  [/^src\/core\/audit\//, 6],
  [/^src\/core\/functions\//, 7],
  // The package's entry files (index.ts, cloud-api.ts) may gather anything.
  [/^src\/core\/[^/]+$/, 8],
];

function coreLayer(file: string): number | undefined {
  return CORE_LAYERS.find(([folder]) => folder.test(file))?.[1];
}

/** A built-in rotator's kind folder (`database`, `ecs`, …) for a file inside one. */
function rotatorFolder(file: string): string | undefined {
  return /^src\/core\/rotators\/([^/]+)\//.exec(file)?.[1];
}

/** `from -> to` for every import inside @rotor/core that breaks its layers. */
function layerViolations(edges: readonly ImportEdge[]): string[] {
  const violations: string[] = [];
  for (const { from, to } of edges) {
    if (to === undefined) continue;
    const fromLayer = coreLayer(from);
    const toLayer = coreLayer(to);
    if (fromLayer === undefined || toLayer === undefined) continue;
    const upward = toLayer > fromLayer;
    const otherKind =
      rotatorFolder(from) !== undefined &&
      rotatorFolder(to) !== undefined &&
      rotatorFolder(from) !== rotatorFolder(to);
    const engineToRotator = from.startsWith("src/core/engine/") && rotatorFolder(to) !== undefined;
    if (upward || otherKind || engineToRotator) violations.push(`${from} -> ${to}`);
  }
  return [...new Set(violations)].sort();
}

describe("the import graph of src/", () => {
  const graph = readImportGraph();

  it("reads every kind of import, and none written in a comment or a string", () => {
    // Act
    const specifiers = importSpecifiers(
      [
        'import { a } from "./a.ts";',
        'import type { B } from "../b.ts";',
        "const c = await import('./c.ts');",
        "export { d } from './d.ts';",
        'export * from "./e.ts";',
        'type F = typeof import("./f.ts");',
        'import "./g.ts";',
        '// import { h } from "./h.ts";',
        '/** import { i } from "@rotor/i"; */',
        'const j = "import(\\"./j.ts\\")";',
      ].join("\n"),
    );
    // Assess
    expect(specifiers).toEqual([
      "./a.ts",
      "../b.ts",
      "./c.ts",
      "./d.ts",
      "./e.ts",
      "./f.ts",
      "./g.ts",
    ]);
  });

  it("covers every package under src/ and resolves every import", () => {
    // Assess
    expect(graph.packages.map((each) => each.name).sort()).toEqual([
      "@rotor/client",
      "@rotor/cloud-api",
      "@rotor/core",
      "@rotor/local-cloud",
      "@rotor/testing",
      "rotor",
    ]);
    expect(graph.files.length).toBeGreaterThan(200);
    expect(graph.unresolved).toEqual([]);
  });

  it("has no circle but those listed", () => {
    // Act
    const circles = importCircles(graph.files, graph.edges);
    // Assess
    expect(circles).toEqual(KNOWN_CIRCLES);
  });

  it("finds a circle when there is one (the check can tell)", () => {
    // Prepare
    const edge = (from: string, to: string): ImportEdge => ({
      from,
      to,
      specifier: to,
      kind: "relative",
    });
    // Act
    const circles = importCircles(
      ["a.ts", "b.ts", "c.ts", "d.ts"],
      [edge("a.ts", "b.ts"), edge("b.ts", "c.ts"), edge("c.ts", "a.ts"), edge("c.ts", "d.ts")],
    );
    // Assess
    expect(circles).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });

  it("imports no higher layer of @rotor/core from a lower one but those listed", () => {
    // Assess
    expect(layerViolations(graph.edges)).toEqual([...KNOWN_LAYER_EXCEPTIONS].sort());
  });

  it("tells an upward import, a rotator's import of another kind and the engine's of a rotator", () => {
    // Prepare
    const edge = (from: string, to: string): ImportEdge => ({
      from,
      to,
      specifier: to,
      kind: "relative",
    });
    // Act
    const violations = layerViolations([
      edge("src/core/contract/a.ts", "src/core/engine/b.ts"),
      edge("src/core/rotators/generic/c.ts", "src/core/rotators/database/d.ts"),
      edge("src/core/rotators/generic/c.ts", "src/core/rotators/registry.ts"),
      edge("src/core/engine/e.ts", "src/core/rotators/generic/f.ts"),
      edge("src/core/functions/g.ts", "src/core/engine/h.ts"),
      edge("src/core/rotators/generic/c.ts", "src/core/contract/i.ts"),
    ]);
    // Assess
    expect(violations).toEqual([
      "src/core/contract/a.ts -> src/core/engine/b.ts",
      "src/core/engine/e.ts -> src/core/rotators/generic/f.ts",
      "src/core/rotators/generic/c.ts -> src/core/rotators/database/d.ts",
      "src/core/rotators/generic/c.ts -> src/core/rotators/registry.ts",
    ]);
  });

  it("has no relative import into another package, and no package importing itself by name", () => {
    // Act
    const crossings = graph.edges
      .filter((edge) => edge.kind === "relative" && edge.to !== undefined)
      .filter(
        (edge) => packageOf(graph.packages, edge.from) !== packageOf(graph.packages, edge.to ?? ""),
      )
      .map((edge) => `${edge.from} imports ${edge.specifier}`);
    const selfImports = graph.edges
      .filter((edge) => edge.kind === "rotor-package")
      .filter((edge) => edge.packageName === packageOf(graph.packages, edge.from)?.name)
      .map((edge) => `${edge.from} imports ${edge.specifier}`);
    // Assess
    expect(crossings).toEqual([]);
    expect(selfImports).toEqual([]);
  });

  it("imports only packages its package declares", () => {
    // Act
    const undeclared = graph.edges
      .filter((edge) => edge.kind === "rotor-package" || edge.kind === "third-party")
      .filter((edge) => {
        const owner = packageOf(graph.packages, edge.from);
        return edge.packageName !== owner?.name && !owner?.declared.has(edge.packageName ?? "");
      })
      .map((edge) => `${edge.from} imports ${edge.specifier}`);
    // Assess
    expect(graph.edges.some((edge) => edge.kind === "third-party")).toBe(true);
    expect(undeclared).toEqual([]);
  });
});
