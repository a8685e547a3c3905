/**
 * The RAM policy templates the CLI reads: `rotor policy` prints one, and
 * `rotor local-cloud` gives each built-in function's role its own plus the
 * trust policy. The repository's templates/ folder is their only source:
 * building this package copies them into its dist/templates/
 * (scripts/build/cli-policy-templates.ts), so an installed CLI carries
 * them; run from its sources in the repository, the CLI reads templates/.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";

const FROM_SOURCES = import.meta.url.endsWith(".ts");

/** The folder holding `<template>/policy.json` and `trust-policy.json`. */
export const POLICY_TEMPLATES_DIR = FROM_SOURCES
  ? resolve(import.meta.dirname, "../../templates")
  : join(import.meta.dirname, "templates");

/** A template's text, e.g. `readPolicyTemplate("rotate-mysql/policy.json")`. */
export async function readPolicyTemplate(path: string): Promise<string> {
  return readFile(join(POLICY_TEMPLATES_DIR, path), "utf8");
}
