/**
 * How a RAM policy shown in the docs differs from its template, in words a
 * reader can act on: which statement lacks or adds which action or
 * resource, rather than "the texts differ".
 */

type Statement = Record<string, unknown>;

/** Action and Resource may be one string or a list; compare them as sets. */
const LISTED_KEYS = new Set(["Action", "Resource"]);

function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function statementsOf(policy: unknown): Statement[] {
  const statements = (policy as { Statement?: unknown } | null)?.Statement;
  return Array.isArray(statements) ? (statements as Statement[]) : [];
}

function statementDifferences(index: number, shown: Statement, template: Statement): string[] {
  const differences: string[] = [];
  const keys = [...new Set([...Object.keys(template), ...Object.keys(shown)])];
  for (const key of keys) {
    const where = `Statement[${index}].${key}`;
    if (LISTED_KEYS.has(key)) {
      const shownList = asList(shown[key]);
      const templateList = asList(template[key]);
      for (const missing of templateList.filter((entry) => !shownList.includes(entry))) {
        differences.push(`${where} lacks ${JSON.stringify(missing)}`);
      }
      for (const extra of shownList.filter((entry) => !templateList.includes(entry))) {
        differences.push(`${where} has ${JSON.stringify(extra)}, which the template does not`);
      }
    } else if (JSON.stringify(shown[key]) !== JSON.stringify(template[key])) {
      differences.push(
        `${where} is ${JSON.stringify(shown[key])}, the template's ${JSON.stringify(template[key])}`,
      );
    }
  }
  return differences;
}

/** The first line where two texts differ, quoted, for differences of layout alone. */
function firstDifferentLine(shown: string, template: string): string {
  const shownLines = shown.split("\n");
  const templateLines = template.split("\n");
  const index = shownLines.findIndex((line, at) => line !== templateLines[at]);
  const at = index === -1 ? shownLines.length : index;
  return `line ${at + 1} of the block reads ${JSON.stringify(shownLines[at] ?? "")}, the template's ${JSON.stringify(templateLines[at] ?? "")}`;
}

/**
 * Every difference between a policy's text as the docs show it and its
 * template's text; empty when they are the same, character for character.
 */
export function policyDifferences(shownText: string, templateText: string): string[] {
  const shown = shownText.trimEnd();
  const template = templateText.trimEnd();
  if (shown === template) return [];
  let shownPolicy: unknown;
  try {
    shownPolicy = JSON.parse(shown);
  } catch (error) {
    return [`it is not valid JSON (${(error as Error).message})`];
  }
  const templatePolicy: unknown = JSON.parse(template);
  const differences: string[] = [];
  const shownVersion = (shownPolicy as { Version?: unknown }).Version;
  const templateVersion = (templatePolicy as { Version?: unknown }).Version;
  if (shownVersion !== templateVersion) {
    differences.push(
      `Version is ${JSON.stringify(shownVersion)}, the template's ${JSON.stringify(templateVersion)}`,
    );
  }
  const shownStatements = statementsOf(shownPolicy);
  const templateStatements = statementsOf(templatePolicy);
  if (shownStatements.length !== templateStatements.length) {
    differences.push(
      `it has ${shownStatements.length} statements, the template ${templateStatements.length}`,
    );
  }
  const common = Math.min(shownStatements.length, templateStatements.length);
  for (let index = 0; index < common; index++) {
    differences.push(
      ...statementDifferences(index, shownStatements[index] ?? {}, templateStatements[index] ?? {}),
    );
  }
  if (differences.length === 0) {
    differences.push(
      `the same policy laid out differently: ${firstDifferentLine(shown, template)}`,
    );
  }
  return differences;
}
