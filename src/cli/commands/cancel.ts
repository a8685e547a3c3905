import { deployPolicyFromEnv } from "@rotor/core";
import { KmsClient } from "@rotor/core/cloud-api";
import { cancelRotation, createJsonLogger } from "@rotor/core/engine";
import { envCredentials, runRotation } from "@rotor/core/functions";
import { rotatorRegistry } from "@rotor/core/rotators";
import { type Command, EXIT } from "../command.ts";
import { parseFlags, UsageError } from "../parse-flags.ts";

export const cancelCommand: Command = {
  name: "cancel",
  summary: "Clear a stuck rotation safely, so the next one starts afresh",
  help: `Usage: rotor cancel <secret> [--force] [--json] [--verbose]

Takes the pending stage (and the rotation lease) off an unfinished
rotation's version, whoever stored it under the pending stage (Rotor, a
person or another tool). First it checks that the target still accepts the
ACSCurrent value (a dry run): if it does not, the pending value may already
be in use there, and cancelling would leave ACSCurrent broken, so it
refuses and tells you to resume instead (rotor rotate <secret>). It also
refuses while the rotation's lease runs (it may still be working).

Options:
  --force     cancel even while the lease runs or when ACSCurrent fails
  --json      print the outcome as JSON
  --verbose   print the JSON audit lines on stderr
  -h, --help  show this help

Exit codes: 0 cancelled or nothing to cancel, 1 refused or failed, 2 bad command line.`,

  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      { force: { type: "boolean" }, json: { type: "boolean" }, verbose: { type: "boolean" } },
      true,
    );
    const [secretName, ...extra] = positionals;
    if (secretName === undefined) throw new UsageError("name the secret");
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const credentials = envCredentials(io.env);
    const log = createJsonLogger(values.verbose ? io.err : () => {});
    const outcome = await cancelRotation({
      kms: new KmsClient({ credentials, env: io.env }),
      secretName,
      force: values.force === true,
      log,
      testCurrent: async () => {
        await runRotation(
          { secretName, dryRun: true },
          {
            log,
            credentials,
            deadline: Date.now() + 120_000,
            kms: { env: io.env },
            policy: deployPolicyFromEnv(io.env),
            rotators: Object.values(rotatorRegistry()),
          },
        );
      },
    });
    if (values.json) io.out(JSON.stringify(outcome));
    else if (outcome.cancelledVersionId === undefined)
      io.out(`${secretName}: no rotation in progress; nothing to cancel`);
    else
      io.out(
        `${secretName}: cancelled the rotation of version ${outcome.cancelledVersionId}; ACSCurrent is unchanged`,
      );
    return EXIT.ok;
  },
};
