/**
 * An application that installs @rotor/client installs none of what runs
 * rotations: no SSH library, no middy, no Function Compute SDK, no tsx, no
 * esbuild. npm lists each workspace package's installed dependency tree.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";

const run = promisify(execFile);
const ROTATION_ONLY = ["ssh2", "@middy/core", "@alicloud/fc20230330", "tsx", "esbuild"];

interface NpmTree {
  dependencies?: Record<string, NpmTree>;
}

/** Every package name in a workspace package's installed dependency tree. */
async function dependencyTree(workspace: string): Promise<Set<string>> {
  const { stdout } = await run("npm", ["ls", "--all", "--json", "--workspace", workspace], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const names = new Set<string>();
  const walk = (tree: NpmTree) => {
    for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
      names.add(name);
      walk(child);
    }
  };
  walk(JSON.parse(stdout) as NpmTree);
  return names;
}

describe("@rotor/client's installed dependencies", () => {
  it("hold nothing that runs rotations", async () => {
    // Act
    const tree = await dependencyTree("@rotor/client");
    // Assess
    expect(tree.has("@rotor/cloud-api")).toBe(true);
    expect(ROTATION_ONLY.filter((name) => tree.has(name))).toEqual([]);
  });

  it("are told apart from @rotor/core's, which hold the FC SDK (the check can tell)", async () => {
    // Act
    const tree = await dependencyTree("@rotor/core");
    // Assess
    expect(ROTATION_ONLY.filter((name) => tree.has(name))).toEqual(
      expect.arrayContaining(["@alicloud/fc20230330"]),
    );
  });
});
