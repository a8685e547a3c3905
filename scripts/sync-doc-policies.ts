/**
 * Rewrites every RAM policy that README, docs/ and templates/ READMEs show
 * from the template its marker names (scripts/build/doc-policies.ts), and
 * prints each document it changed. Run it after changing a policy in
 * templates/: `node --import tsx scripts/sync-doc-policies.ts`.
 * test/deploy/doc-policies.test.ts fails until the docs follow.
 */
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { REPO_ROOT } from "./build/bundle-functions.ts";
import { documentFiles, syncDocPolicies } from "./build/doc-policies.ts";

for (const file of await documentFiles(REPO_ROOT)) {
  const markdown = await readFile(file, "utf8");
  const synced = syncDocPolicies(markdown, (template) =>
    readFileSync(join(REPO_ROOT, template), "utf8"),
  );
  if (synced === markdown) continue;
  await writeFile(file, synced);
  process.stdout.write(`updated ${relative(REPO_ROOT, file)}\n`);
}
