/**
 * The unit tier (`npm run test:unit`, vitest.unit.config.ts): every test
 * that cannot start a server or a process, because nothing it imports,
 * through any file of the repository or any Rotor package, can. Its
 * import closure must not reach:
 * - a real server's harness: MariaDB, PostgreSQL, sshd, redis-server
 *   (test/support/) or the embedded PostgreSQL (@rotor/local-cloud/postgres);
 * - the local cloud's server (an in-process emulator, but a server all the
 *   same, and the bulk of the suite's time);
 * - node:child_process (a bundle, the CLI or a server run as a process).
 * Membership is this rule, so a new test joins the right tier by itself.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { importSpecifiers, packageNameOf, REPO_ROOT, readPackages } from "./import-graph.ts";

const SERVERS: readonly RegExp[] = [
  /^test\/support\/(mariadb|postgres|sshd|redis)\.ts$/,
  /^src\/local-cloud\/embedded-postgres-server\.ts$/,
  /^src\/local-cloud\/server\.ts$/,
];
const PROCESSES = new Set(["node:child_process", "child_process"]);

/** Why a test is not a unit test: the servers and process spawners its imports reach (none: it is one). */
export function serverReasons(testFile: string): string[] {
  const packages = readPackages();
  const reasons = new Set<string>();
  const seen = new Set<string>();
  const pending = [testFile];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (SERVERS.some((server) => server.test(file))) reasons.add(file);
    for (const specifier of importSpecifiers(readFileSync(join(REPO_ROOT, file), "utf8"))) {
      if (PROCESSES.has(specifier)) reasons.add(`${file} imports ${specifier}`);
      let target: string | undefined;
      if (specifier.startsWith(".")) {
        target = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), specifier));
      } else {
        const rotor = packages.find((each) => each.name === packageNameOf(specifier));
        target = rotor?.exports.get(`.${specifier.slice(rotor.name.length)}`);
      }
      if (
        target !== undefined &&
        /\.(ts|mts|mjs)$/.test(target) &&
        existsSync(join(REPO_ROOT, target))
      ) {
        pending.push(target);
      }
    }
  }
  return [...reasons].sort();
}

/** Every test file of the repository, relative to it. */
export function allTests(): string[] {
  return readdirSync(join(REPO_ROOT, "test"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
    .map((entry) => relative(REPO_ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

/** The unit tier's test files. */
export function unitTierTests(): string[] {
  return allTests().filter((file) => serverReasons(file).length === 0);
}
