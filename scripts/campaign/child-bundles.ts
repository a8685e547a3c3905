/**
 * Builds the campaign's two child programs (a rotation invocation and the
 * local cloud) into plain JavaScript once, so each of the hundreds of
 * processes a campaign starts and kills costs a Node start, not a
 * TypeScript compile.
 */
import { mkdir, mkdtemp } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export interface ChildBundles {
  folder: string;
  rotationChild: string;
  cloudChild: string;
}

const here = dirname(fileURLToPath(import.meta.url));
/** Inside the project, so the packages left out of the bundle resolve from node_modules. */
const cacheFolder = join(here, "..", "..", "node_modules", ".cache");

export async function buildChildBundles(): Promise<ChildBundles> {
  await mkdir(cacheFolder, { recursive: true });
  const folder = await mkdtemp(join(cacheFolder, "rotor-campaign-bundle-"));
  await build({
    entryPoints: {
      "rotation-child": join(here, "rotation-child.ts"),
      "cloud-child": join(here, "cloud-child.ts"),
    },
    outdir: folder,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    // Rotor's packages from their TypeScript sources, not a build.
    conditions: ["source"],
    platform: "node",
    target: "node20",
    format: "esm",
    // CommonJS packages inside an ES module bundle need a require.
    banner: {
      js: "import { createRequire as __rotorCreateRequire } from 'node:module'; const require = __rotorCreateRequire(import.meta.url);",
    },
    // Native add-ons can't be bundled; they load from node_modules.
    external: ["ssh2", "cpu-features"],
    logLevel: "error",
  });
  return {
    folder,
    rotationChild: join(folder, "rotation-child.mjs"),
    cloudChild: join(folder, "cloud-child.mjs"),
  };
}
