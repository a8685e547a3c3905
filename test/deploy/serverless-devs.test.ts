/**
 * Every s.yaml (the root s.yaml and s.vpc.yaml, and each in templates/) is a
 * valid fc3 deployment: each fc3 resource's props validate against the fc3
 * component's props schema (a copy kept in test/deploy/schemas/, with its
 * MIT license beside it, so a clone alone runs these tests), as written and
 * as `s preview` renders them, and every function's code comes from its
 * bundle folder. `s preview` runs offline: it renders variables without
 * downloading the fc3 component. The root s.yaml needs no VPC settings: the
 * functions that do are in s.vpc.yaml, which extends it, and
 * docs/deploy.md names them.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import * as ajvModule from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { functionNames, REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import { commonJsDefault } from "../../src/cloud-api/commonjs-default.ts";

const run = promisify(execFile);
const Ajv = commonJsDefault(ajvModule as never) as unknown as new (
  options: object,
) => {
  compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] | null };
};

const SCHEMA_DIR = join(REPO_ROOT, "test/deploy/schemas");
const SCHEMA_PATH = join(SCHEMA_DIR, "fc3-props.schema.json");
const S_CLI = join(REPO_ROOT, "node_modules/.bin/s");
const ROOT_S_YAML = join(REPO_ROOT, "s.yaml");
/** The functions that need a VPC; it extends the root s.yaml. */
const VPC_S_YAML = join(REPO_ROOT, "s.vpc.yaml");
const ON_CI = process.env.CI === "true";

/** Values the VPC-connected templates require from the environment. */
const DEPLOY_ENV = {
  ROTOR_VPC_ID: "vpc-test",
  ROTOR_VSWITCH_ID: "vsw-test",
  ROTOR_SECURITY_GROUP_ID: "sg-test",
  // The token service of the custom rotator's template.
  TOKEN_SERVICE_URL: "https://tokens.example.com/",
};

interface Resource {
  component: string;
  props: Record<string, unknown> & { code?: string; functionName?: string };
}
interface SYaml {
  extend?: string;
  vars?: Record<string, unknown>;
  resources: Record<string, Resource>;
}

/** The account id `${config('AccountID')}` stands for once the CLI has credentials. */
const ACCOUNT_ID = "1234567890123456";
const CONFIG_ACCOUNT_ID = "$" + "{config('AccountID')}";

/**
 * The props as the CLI would render them, for the three kinds of variable
 * these files use: `env('NAME'[, 'default'])` (from DEPLOY_ENV), `vars.name`
 * and `config('AccountID')`. The s preview tests check the CLI agrees.
 */
function resolveVariables(document: SYaml): SYaml {
  const substitute = (text: string, vars: Record<string, unknown>): string =>
    text.replace(/\$\{([^}]*)\}/g, (whole, expression: string) => {
      const env = /^env\('([A-Z_]+)'(?:,\s*'([^']*)')?\)$/.exec(expression);
      if (env?.[1]) {
        const value = DEPLOY_ENV[env[1] as keyof typeof DEPLOY_ENV] ?? env[2];
        if (value === undefined) throw new Error(`${whole} has no value`);
        return value;
      }
      if (expression === "config('AccountID')") return ACCOUNT_ID;
      const variable = /^vars\.([A-Za-z]+)$/.exec(expression);
      if (variable?.[1] && variable[1] in vars) return String(vars[variable[1]]);
      throw new Error(`unknown variable ${whole}`);
    });
  const walk = (node: unknown, vars: Record<string, unknown>): unknown => {
    if (typeof node === "string") return substitute(node, vars);
    if (Array.isArray(node)) return node.map((each) => walk(each, vars));
    if (node && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, vars)]));
    }
    return node;
  };
  const vars = walk(document.vars ?? {}, {}) as Record<string, unknown>;
  return walk(document, vars) as SYaml;
}

/**
 * A file as the CLI reads it: with `extend`, the base file's vars and
 * resources come first and the file's own are merged over them.
 */
async function readSYaml(file: string): Promise<SYaml> {
  const document = parse(await readFile(file, "utf8")) as SYaml;
  if (document.extend === undefined) return document;
  const base = await readSYaml(resolve(dirname(file), document.extend));
  return {
    vars: { ...base.vars, ...document.vars },
    resources: { ...base.resources, ...document.resources },
  };
}

async function templateFiles(): Promise<string[]> {
  const templates = await readdir(join(REPO_ROOT, "templates"), { withFileTypes: true });
  return templates
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(REPO_ROOT, "templates", entry.name, "s.yaml"))
    .filter((file) => existsSync(file));
}

const templates = await templateFiles();

/** A template with a package.json of its own is a project a user copies: its function is its own build. */
const isOwnProject = (file: string) => existsSync(join(dirname(file), "package.json"));
const files = [ROOT_S_YAML, VPC_S_YAML, ...templates];

const functionNamesOf = (document: SYaml): string[] =>
  Object.values(document.resources)
    .map((resource) => String(resource.props.functionName))
    .sort();
const withVpc = (document: SYaml): SYaml => ({
  resources: Object.fromEntries(
    Object.entries(document.resources).filter(([, resource]) => resource.props.vpcConfig),
  ),
});
const sMissing = !existsSync(S_CLI);

describe("the fc3 props schema", () => {
  it("is kept in the repository, with the fc3 component's MIT license beside it", async () => {
    expect(relative(REPO_ROOT, SCHEMA_PATH).startsWith(".."), SCHEMA_PATH).toBe(false);
    const schema = JSON.parse(await readFile(SCHEMA_PATH, "utf8")) as Record<string, unknown>;
    expect(schema.$schema).toMatch(/json-schema\.org/);
    const license = await readFile(join(SCHEMA_DIR, "fc3-LICENSE.txt"), "utf8");
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain("Serverless Devs");
  });
});

describe("s.yaml files against the fc3 props schema", () => {
  let validate: ReturnType<InstanceType<typeof Ajv>["compile"]>;
  beforeAll(async () => {
    const schema = JSON.parse(await readFile(SCHEMA_PATH, "utf8"));
    validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  });

  it.each(files.map((file) => [relative(REPO_ROOT, file), file]))(
    "%s: every fc3 resource's props are valid",
    async (_name, file) => {
      const document = resolveVariables(await readSYaml(file));
      const resources = Object.entries(document.resources);

      expect(resources.length).toBeGreaterThan(0);
      for (const [name, resource] of resources) {
        expect(resource.component, name).toBe("fc3");
        expect(validate(resource.props), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    },
  );

  it("s.yaml and s.vpc.yaml together deploy every function from its bundle folder", async () => {
    const document = await readSYaml(VPC_S_YAML);

    const deployed = Object.values(document.resources).map((resource) => ({
      name: resource.props.functionName,
      code: resource.props.code,
      handler: resource.props.handler,
      runtime: resource.props.runtime,
    }));

    const expected = (await functionNames()).map((name) => ({
      name,
      code: `./dist/${name}`,
      handler: "index.handler",
      runtime: "nodejs20",
    }));
    expect(deployed.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(expected);
  });

  it("s.yaml holds only functions without a VPC, s.vpc.yaml's own all have one", async () => {
    const root = parse(await readFile(ROOT_S_YAML, "utf8")) as SYaml;
    const vpcOnly = parse(await readFile(VPC_S_YAML, "utf8")) as SYaml;

    expect(vpcOnly.extend).toBe("s.yaml");
    expect(functionNamesOf(withVpc(root))).toEqual([]);
    expect(functionNamesOf(withVpc(vpcOnly))).toEqual(functionNamesOf(vpcOnly));
    expect(functionNamesOf(vpcOnly).length).toBeGreaterThan(0);
  });

  it("every rotation function in either file retries and reports its failures alike", async () => {
    const everything = await readSYaml(VPC_S_YAML);
    const rotations = Object.values(everything.resources).filter((resource) =>
      String(resource.props.functionName).startsWith("rotate-"),
    );
    const [first, ...others] = rotations.map((resource) => resource.props.asyncInvokeConfig);

    expect(first).toMatchObject({ destinationConfig: { onFailure: {} } });
    for (const each of others) expect(each).toEqual(first);
  });

  it("docs/deploy.md names the functions s.yaml leaves out, and why", async () => {
    const vpcFunctions = functionNamesOf(parse(await readFile(VPC_S_YAML, "utf8")) as SYaml);
    const allFunctions = await functionNames();
    const paragraphs = (await readFile(join(REPO_ROOT, "docs/deploy.md"), "utf8")).split(/\n\s*\n/);
    const explaining = paragraphs.find(
      (paragraph) => paragraph.includes("`s.vpc.yaml`") && /VPC/.test(paragraph),
    );

    expect(explaining, "a paragraph of docs/deploy.md on s.vpc.yaml and the VPC").toBeDefined();
    const named = [...(explaining ?? "").matchAll(/`([a-z-]+)`/g)]
      .map((match) => match[1] ?? "")
      .filter((name) => allFunctions.includes(name));
    expect([...new Set(named)].sort()).toEqual(vpcFunctions);
  });

  it("each template's functions come from bundles of existing functions", async () => {
    const names = await functionNames();
    for (const file of templates) {
      const document = parse(await readFile(file, "utf8")) as SYaml;
      for (const resource of Object.values(document.resources)) {
        if (isOwnProject(file)) {
          expect(resource.props.code, file).toBe("./dist");
          continue;
        }
        const code = resolve(dirname(file), String(resource.props.code));
        expect(relative(join(REPO_ROOT, "dist"), code), file).toBe(resource.props.functionName);
        expect(names, file).toContain(resource.props.functionName);
      }
    }
  });
});

describe.skipIf(sMissing && !ON_CI)("s preview", () => {
  if (sMissing && !ON_CI) console.warn("skipped: s preview needs node_modules/.bin/s (npm ci)");
  let home: string;
  let validate: ReturnType<InstanceType<typeof Ajv>["compile"]>;
  beforeAll(async () => {
    // The CLI keeps config and logs under $HOME/.s: a fresh one per run leaves the user's alone.
    home = await mkdtemp(join(tmpdir(), "rotor-s-home-"));
    const schema = JSON.parse(await readFile(SCHEMA_PATH, "utf8"));
    validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  });
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** `s preview` of a file, rendered as JSON, with only PATH, HOME and `env` set. */
  const preview = async (file: string, env: Record<string, string>): Promise<SYaml> => {
    const { stdout } = await run(S_CLI, ["preview", "-t", file, "-o", "json", "--silent"], {
      cwd: dirname(file),
      env: { PATH: process.env.PATH, HOME: home, ...env },
      timeout: 120_000,
    });
    return JSON.parse(stdout) as SYaml;
  };

  it.each(files.map((file) => [relative(REPO_ROOT, file), file]))(
    "%s renders offline, and the rendered props are valid",
    async (_name, file) => {
      const rendered = await preview(file, DEPLOY_ENV);

      for (const [name, resource] of Object.entries(rendered.resources)) {
        expect(validate(resource.props), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
        expect(resource.props.region, name).toBe("cn-hangzhou");
        // Only the account id is left to the CLI's credentials at deploy time.
        const unresolved = JSON.stringify(resource.props).match(/\$\{[^}]*\}/g) ?? [];
        expect(new Set(unresolved), name).toEqual(
          new Set(unresolved.length > 0 ? [CONFIG_ACCOUNT_ID] : []),
        );
      }
    },
  );

  it("s.yaml renders without VPC settings, with exactly the functions that need none", async () => {
    const withoutVpc = await preview(ROOT_S_YAML, {});
    const everything = await preview(VPC_S_YAML, DEPLOY_ENV);

    expect(functionNamesOf(everything)).toEqual(await functionNames());
    const needingVpc = functionNamesOf(withVpc(everything));
    expect(needingVpc.length).toBeGreaterThan(0);
    expect(functionNamesOf(withoutVpc)).toEqual(
      functionNamesOf(everything).filter((name) => !needingVpc.includes(name)),
    );
  });

  it("s.vpc.yaml names the variable a value is missing from", async () => {
    const failure = run(S_CLI, ["preview", "-t", VPC_S_YAML, "--silent"], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: home },
      timeout: 120_000,
    });

    await expect(failure).rejects.toMatchObject({
      stdout: expect.stringContaining("ROTOR_VPC_ID"),
    });
  });
});
