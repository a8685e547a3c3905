/**
 * ROTOR_RECORD_KEY is part of the deploy: every root s.yaml and every
 * function template sets it, from the deployer's environment, on the
 * scheduler and on every rotation function (the two must share it: the
 * functions sign the rotation record the scheduler verifies), and on
 * nothing else (the on-failure function has no use for a signing key).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import { ROTATION_FUNCTIONS, type SYaml } from "./support/s-yaml.ts";

const FILES = ["s.yaml", "s.vpc.yaml", ...ROTATION_FUNCTIONS.map((fn) => `templates/${fn}/s.yaml`)];

/** Serverless Devs' own placeholders, written out without a template literal. */
const FROM_ENVIRONMENT = ["$", "{env('ROTOR_RECORD_KEY', '')}"].join("");
const FROM_VARS = ["$", "{vars.recordKey}"].join("");

async function load(file: string): Promise<SYaml> {
  return parse(await readFile(join(REPO_ROOT, file), "utf8")) as SYaml;
}

describe("ROTOR_RECORD_KEY in every deployment file", () => {
  it.each(FILES)(
    "%s sets it from the environment on the scheduler and each rotation function",
    async (file) => {
      // Prepare: a file that extends another takes its vars from it.
      const document = await load(file);
      const vars = {
        ...(document.extend ? (await load(document.extend)).vars : {}),
        ...document.vars,
      };
      const functions = Object.values(document.resources).map((resource) => resource.props);

      // Assess
      expect(vars.recordKey).toBe(FROM_ENVIRONMENT);
      expect(functions.length).toBeGreaterThan(0);
      for (const fn of functions) {
        const env = fn.environmentVariables ?? {};
        const signs = fn.functionName === "scheduler" || fn.functionName?.startsWith("rotate-");
        expect({ fn: fn.functionName, key: env.ROTOR_RECORD_KEY }).toEqual({
          fn: fn.functionName,
          key: signs ? FROM_VARS : undefined,
        });
      }
    },
  );
});
