/**
 * `npm install` of Rotor's tarballs into a folder outside the repository,
 * the way a user installs the packages, with no network: `--offline`, so
 * every package comes from npm's cache or the install fails.
 *
 * npm resolves a dependency it has no lockfile entry for from the
 * registry's full package document, which the cache does not hold for most
 * packages (installing from a lockfile only fetches tarballs, and those the
 * cache has). So the folder gets a package-lock.json first: Rotor's
 * packages resolved to their tarballs, and every third-party package at the
 * version and integrity the repository's package-lock.json pins. npm then
 * builds the tree from the folder's package.json as for any install, keeps
 * what the packages need and drops the rest; the repository's
 * node_modules is never read.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../../scripts/build/bundle-functions.ts";
import type { PackedTarball } from "./packed-tarballs.ts";

const run = promisify(execFile);

interface Manifest {
  name: string;
  version: string;
  license?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Thrown when npm's cache lacks a package the install needs. */
export class OfflineInstallUnavailable extends Error {}

/**
 * The environment of everything run in an installed folder: this
 * machine's PATH and HOME, npm kept offline, and nothing inherited from the
 * test's own process (no NODE_OPTIONS loading tsx, no npm_config_* of the
 * repository's `npm test`, no NODE_PATH).
 */
export function installedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    npm_config_offline: "true",
    npm_config_update_notifier: "false",
    ...extra,
  };
}

async function readManifest(path: string): Promise<Manifest> {
  return JSON.parse(await readFile(path, "utf8")) as Manifest;
}

/** The package.json inside a tarball. */
async function tarballManifest(tarball: string): Promise<Manifest> {
  const { stdout } = await run("tar", ["xzOf", tarball, "package/package.json"]);
  return JSON.parse(stdout) as Manifest;
}

/**
 * Points the folder's dependencies on Rotor's packages at their tarballs,
 * writes its lockfile and runs `npm install --offline`. Install scripts are
 * not run, as in the repository.
 */
export async function installOffline(folder: string, tarballs: PackedTarball[]): Promise<void> {
  const manifestPath = join(folder, "package.json");
  const manifest = await readManifest(manifestPath);
  const tarballSpec = (tarball: PackedTarball) => `file:${relative(folder, tarball.path)}`;
  const toTarballs = (deps: Record<string, string> | undefined) =>
    deps === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(deps).map(([name, range]) => {
            const tarball = tarballs.find((each) => each.name === name);
            return [name, tarball ? tarballSpec(tarball) : range];
          }),
        );
  manifest.dependencies = toTarballs(manifest.dependencies);
  manifest.devDependencies = toTarballs(manifest.devDependencies);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  const repositoryLock = JSON.parse(
    await readFile(join(REPO_ROOT, "package-lock.json"), "utf8"),
  ) as { packages: Record<string, { link?: boolean }> };
  const packages: Record<string, unknown> = {
    "": {
      name: manifest.name,
      version: manifest.version,
      dependencies: manifest.dependencies,
      devDependencies: manifest.devDependencies,
    },
  };
  // Third-party packages only: Rotor's are links to src/ there.
  for (const [path, entry] of Object.entries(repositoryLock.packages)) {
    if (path.startsWith("node_modules/") && !entry.link) packages[path] = entry;
  }
  for (const tarball of tarballs) {
    const packed = await tarballManifest(tarball.path);
    const digest = createHash("sha512")
      .update(await readFile(tarball.path))
      .digest("base64");
    packages[`node_modules/${tarball.name}`] = {
      version: packed.version,
      resolved: tarballSpec(tarball),
      integrity: `sha512-${digest}`,
      license: packed.license,
      bin: packed.bin,
      engines: packed.engines,
      dependencies: packed.dependencies,
      peerDependencies: packed.peerDependencies,
      peerDependenciesMeta: packed.peerDependenciesMeta,
    };
  }
  const lock = { name: manifest.name, version: manifest.version, lockfileVersion: 3, packages };
  await writeFile(join(folder, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);

  try {
    await run("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: folder,
      env: installedEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const output = `${(error as { stderr?: string }).stderr ?? ""}`;
    if (/ENOTCACHED/.test(output)) {
      throw new OfflineInstallUnavailable(
        `npm install --offline in ${folder} needs packages npm's cache does not hold ` +
          "(run npm ci in the repository once with network to fill it): " +
          (/npm error (request to .*)/.exec(output)?.[1] ?? output.trim()),
      );
    }
    throw error;
  }
}
