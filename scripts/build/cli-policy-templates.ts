/**
 * The RAM policy templates the `rotor` package carries: `rotor policy`
 * prints them and `rotor local-cloud` gives each built-in function's role
 * its own (src/cli/policy-templates.ts). templates/ stays their only source;
 * the package's build copies every templates/<name>/policy.json and
 * templates/trust-policy.json into its dist/templates/, keeping the layout.
 *
 * @example
 * await copyPolicyTemplates(join(REPO_ROOT, "src/cli/dist/templates"));
 */
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { REPO_ROOT } from "./bundle-functions.ts";

export const TEMPLATES_DIR = join(REPO_ROOT, "templates");

/** The templates the CLI reads, as paths relative to templates/ (sorted). */
export async function policyTemplateFiles(): Promise<string[]> {
  const entries = await readdir(TEMPLATES_DIR, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(TEMPLATES_DIR.length + 1))
    .filter((path) => path === "trust-policy.json" || /^[^/]+\/policy\.json$/.test(path))
    .sort();
}

/** Replaces `to` with a copy of the templates; returns what it copied. */
export async function copyPolicyTemplates(to: string): Promise<string[]> {
  await rm(to, { recursive: true, force: true });
  const files = await policyTemplateFiles();
  for (const file of files) {
    await mkdir(dirname(join(to, file)), { recursive: true });
    await copyFile(join(TEMPLATES_DIR, file), join(to, file));
  }
  return files;
}
