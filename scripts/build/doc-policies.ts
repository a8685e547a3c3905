/**
 * The RAM policies the Markdown docs show are copies of templates/: each
 * policy block is a ```json block right after a line naming its template,
 *
 *   <!-- policy: templates/rotate-ram-access-key/policy.json -->
 *
 * (`<!-- policy: example -->` marks an illustration that copies no
 * template). `docPolicyProblems` lists every block that differs from its
 * template or names none, and `syncDocPolicies` rewrites the blocks from
 * their templates (scripts/sync-doc-policies.ts), so a template changed
 * later fails the check until the docs follow.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { policyDifferences } from "./policy-difference.ts";

const MARKER = /^<!-- policy: (\S+) -->$/;
const EXAMPLE = "example";

export interface PolicyBlock {
  /** Line number (from 1) of the opening fence. */
  line: number;
  /** The marker's value: a template path from the repository root, "example", or undefined. */
  source: string | undefined;
  /** The block's text between the fences. */
  text: string;
  /** Index into the document's lines of the first and the closing fence. */
  open: number;
  close: number;
}

/** Every ```json block that holds a policy (a "Statement"), or follows a marker. */
export function policyBlocks(markdown: string): PolicyBlock[] {
  const lines = markdown.split("\n");
  const blocks: PolicyBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index]?.trim() !== "```json") continue;
    const close = lines.findIndex((line, at) => at > index && line.trim() === "```");
    if (close === -1) break;
    const text = lines.slice(index + 1, close).join("\n");
    const source = MARKER.exec(lines[index - 1]?.trim() ?? "")?.[1];
    if (source !== undefined || text.includes('"Statement"')) {
      blocks.push({ line: index + 1, source, text, open: index, close });
    }
    index = close;
  }
  return blocks;
}

/** Markers that stand before no ```json block: a policy they meant to pin is not checked. */
function strayMarkers(markdown: string): number[] {
  const lines = markdown.split("\n");
  return lines.flatMap((line, index) =>
    MARKER.test(line.trim()) && lines[index + 1]?.trim() !== "```json" ? [index + 1] : [],
  );
}

/** README.md and the Markdown files under docs/ and templates/. */
export async function documentFiles(root: string): Promise<string[]> {
  const files = existsSync(join(root, "README.md")) ? [join(root, "README.md")] : [];
  for (const folder of ["docs", "templates"]) {
    if (!existsSync(join(root, folder))) continue;
    const entries = await readdir(join(root, folder), { recursive: true });
    files.push(
      ...entries
        .filter((entry) => entry.endsWith(".md"))
        .sort()
        .map((entry) => join(root, folder, entry)),
    );
  }
  return files;
}

/**
 * One line per problem, each naming the document, the block's line, its
 * template and the difference; empty when every policy the docs show is
 * its template's text.
 */
export async function docPolicyProblems(root: string): Promise<string[]> {
  const problems: string[] = [];
  for (const file of await documentFiles(root)) {
    const doc = relative(root, file);
    const markdown = await readFile(file, "utf8");
    for (const line of strayMarkers(markdown)) {
      problems.push(`${doc}:${line}: a policy marker with no \`\`\`json block right after it`);
    }
    for (const block of policyBlocks(markdown)) {
      const where = `${doc}:${block.line}`;
      if (block.source === EXAMPLE) continue;
      if (block.source === undefined) {
        problems.push(
          `${where}: a policy block with no "<!-- policy: templates/…/policy.json -->" line before it`,
        );
        continue;
      }
      const template = join(root, block.source);
      if (!existsSync(template)) {
        problems.push(`${where}: names ${block.source}, which does not exist`);
        continue;
      }
      for (const difference of policyDifferences(block.text, await readFile(template, "utf8"))) {
        problems.push(`${where} (copy of ${block.source}): ${difference}`);
      }
    }
  }
  return problems;
}

/** The document with each marked policy block replaced by its template's text. */
export function syncDocPolicies(markdown: string, templateText: (path: string) => string): string {
  const lines = markdown.split("\n");
  // From the last block up, so earlier blocks' line numbers stay valid.
  for (const block of policyBlocks(markdown).reverse()) {
    if (block.source === undefined || block.source === EXAMPLE) continue;
    const replacement = templateText(block.source).trimEnd().split("\n");
    lines.splice(block.open + 1, block.close - block.open - 1, ...replacement);
  }
  return lines.join("\n");
}
