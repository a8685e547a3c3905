/**
 * Every RAM policy that README, docs/ and templates/ READMEs show is its
 * template's text (scripts/build/doc-policies.ts), so a function deployed with
 * what a page shows gets exactly the permissions the tests prove; a
 * template changed later fails here until the docs follow
 * (`node --import tsx scripts/sync-doc-policies.ts` rewrites them).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import { docPolicyProblems, syncDocPolicies } from "../../scripts/build/doc-policies.ts";

const RAM_KEY_DOC = "docs/ram-access-key-rotator.md";
const RAM_KEY_TEMPLATE = "templates/rotate-ram-access-key/policy.json";

let copy: string | undefined;
afterEach(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
  copy = undefined;
});

/** The documents and templates of the repository, in a folder a test may change. */
async function copyOfDocs(): Promise<string> {
  copy = await mkdtemp(join(tmpdir(), "rotor-doc-policies-"));
  for (const part of ["README.md", "docs", "templates"]) {
    await cp(join(REPO_ROOT, part), join(copy, part), { recursive: true });
  }
  return copy;
}

describe("policies shown in the docs", () => {
  it("are each their template's text, and every policy block names its template", async () => {
    expect(await docPolicyProblems(REPO_ROOT)).toEqual([]);
  });

  it("the RAM AccessKey rotator's page shows its function's policy", async () => {
    const page = await readFile(join(REPO_ROOT, RAM_KEY_DOC), "utf8");

    expect(page).toContain(`<!-- policy: ${RAM_KEY_TEMPLATE} -->`);
    expect(page).toContain('"kms:UntagResource"');
  });

  it("a template changed later fails the check, naming the doc, the block and the difference, until the docs are synced", async () => {
    const root = await copyOfDocs();
    const templateFile = join(root, RAM_KEY_TEMPLATE);
    const template = JSON.parse(await readFile(templateFile, "utf8")) as {
      Statement: { Action: string[] }[];
    };
    const first = template.Statement[0];
    if (!first) throw new Error(`${RAM_KEY_TEMPLATE} has no statement`);
    first.Action = [...first.Action.filter((action) => action !== "kms:TagResource"), "kms:Extra"];
    await writeFile(templateFile, `${JSON.stringify(template, null, 2)}\n`);

    const problems = await docPolicyProblems(root);

    const page = await readFile(join(root, RAM_KEY_DOC), "utf8");
    // The block's opening fence follows its marker line.
    const lineOfBlock = page.split("\n").indexOf(`<!-- policy: ${RAM_KEY_TEMPLATE} -->`) + 2;
    expect(lineOfBlock).toBeGreaterThan(1);
    expect(problems).toEqual([
      `${RAM_KEY_DOC}:${lineOfBlock} (copy of ${RAM_KEY_TEMPLATE}): Statement[0].Action lacks "kms:Extra"`,
      `${RAM_KEY_DOC}:${lineOfBlock} (copy of ${RAM_KEY_TEMPLATE}): Statement[0].Action has "kms:TagResource", which the template does not`,
    ]);

    const synced = syncDocPolicies(page, () => JSON.stringify(template, null, 2));
    await writeFile(join(root, RAM_KEY_DOC), synced);
    expect(await docPolicyProblems(root)).toEqual([]);
  });

  it("a policy block that names no template, or a different layout, is reported", async () => {
    const root = await copyOfDocs();
    const template = await readFile(join(root, RAM_KEY_TEMPLATE), "utf8");
    const compact = JSON.stringify(JSON.parse(template));
    await writeFile(
      join(root, "docs", "extra.md"),
      [
        "# Extra",
        "",
        "```json",
        '{ "Version": "1", "Statement": [] }',
        "```",
        "",
        `<!-- policy: ${RAM_KEY_TEMPLATE} -->`,
        "```json",
        compact,
        "```",
        "",
        "<!-- policy: templates/missing/policy.json -->",
        "```json",
        "{}",
        "```",
        "",
      ].join("\n"),
    );

    expect(await docPolicyProblems(root)).toEqual([
      'docs/extra.md:3: a policy block with no "<!-- policy: templates/…/policy.json -->" line before it',
      `docs/extra.md:8 (copy of ${RAM_KEY_TEMPLATE}): the same policy laid out differently: line 1 of the block reads ${JSON.stringify(compact)}, the template's "{"`,
      "docs/extra.md:13: names templates/missing/policy.json, which does not exist",
    ]);
  });
});
