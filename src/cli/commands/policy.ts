import { type Command, EXIT } from "../command.ts";
import { parseFlags, UsageError } from "../parse-flags.ts";
import { readPolicyTemplate } from "../policy-templates.ts";
import { type RamPolicyDocument, renderRolePolicy } from "../role-policy-template.ts";

export const policyCommand: Command = {
  name: "policy",
  summary: "Print a function role's RAM policy with this deployment's instances filled in",
  help: `Usage: rotor policy <template>

Prints the policy template <template>/policy.json (rotate-generic,
rotate-mysql, rotate-postgres, rotate-redis, rotate-ram-access-key,
rotate-ecs-password, rotate-ecs-ssh-key, scheduler, on-failure, operator:
the repository's templates/, which the rotor package carries) as the RAM
policy to create for one deployment. A Resource naming
\${ROTOR_RDS_INSTANCES}, \${ROTOR_POLARDB_CLUSTERS}, \${ROTOR_ECS_INSTANCES}
or \${ROTOR_REDIS_INSTANCES} becomes one resource per id in that
environment variable (comma-separated; * allows every one), the same
variable s.yaml gives the function, so the role and the function allow the
same instances. With the variable unset, that statement is left out: no
RDS, PolarDB, Cloud Assistant or R-kvstore rights at all. A Resource
naming \${ROTOR_EVENT_BUS} becomes the one event bus that variable names
(the function publishes its events there, docs/events.md); unset, no
EventBridge right at all.

Example:
  export ROTOR_RDS_INSTANCES=rm-uf6wjk5xxxxxxx ROTOR_POLARDB_CLUSTERS=pc-bp1xxxxxxxxxxxxx
  aliyun ram CreatePolicy --PolicyName rotor-rotate-mysql \\
    --PolicyDocument "$(npx rotor policy rotate-mysql)"

Options:
  -h, --help  show this help

Exit codes: 0 printed, 1 a variable is malformed, 2 bad command line.`,

  async run(args, io) {
    const { positionals } = parseFlags(args, {}, true);
    const [name, ...extra] = positionals;
    if (name === undefined) throw new UsageError("name the template (rotate-generic, operator, …)");
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
      throw new UsageError(
        `template names are lowercase words and dashes, got ${JSON.stringify(name)}`,
      );
    }
    const text = await readPolicyTemplate(`${name}/policy.json`).catch(() => {
      throw new UsageError(`no policy template ${name} (templates/${name}/policy.json)`);
    });
    const template = JSON.parse(text) as RamPolicyDocument;
    io.out(JSON.stringify(renderRolePolicy(template, io.env), null, 2));
    return EXIT.ok;
  },
};
