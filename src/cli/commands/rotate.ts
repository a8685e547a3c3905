import { deployPolicyFromEnv, STEPS, type Step } from "@rotor/core";
import type { RotationRequest } from "@rotor/core/engine";
import { createJsonLogger } from "@rotor/core/engine";
import { envCredentials, runRotation } from "@rotor/core/functions";
import { rotatorRegistry } from "@rotor/core/rotators";
import { cliEventPublisher } from "../cli-events.ts";
import { type Command, EXIT } from "../command.ts";
import { integerFlag, parseFlags, UsageError } from "../parse-flags.ts";
import { rotateByTag } from "./rotate-by-tag.ts";

export const rotateCommand: Command = {
  name: "rotate",
  summary: "Rotate a secret now (all four steps, one step, or a dry run)",
  help: `Usage: rotor rotate <secret> [--step S --version-id ID] [--emergency] [--dry-run] [--json] [--verbose] [--timeout SECONDS]
       rotor rotate --tag KEY=VALUE [--emergency] [--dry-run] [--json] [--concurrency N]

Rotates the secret the way its function does: createSecret, setSecret,
testSecret, finishSecret, with the rotator named by its rotor:rotator tag.
An unfinished rotation whose lease has run out is resumed, not restarted;
a version anyone stored under the pending stage counts as one (when the
rotator cannot read its value, clear it with rotor cancel).

Options:
  --step S          run only step S (createSecret, setSecret, testSecret,
                    finishSecret); every step but createSecret needs
                    --version-id, the token createSecret printed
  --version-id ID   the rotation's token (the new version's id)
  --emergency       the current value leaked: the rotator also revokes it
  --dry-run         test the current value only; change nothing
  --json            print the result as JSON
  --verbose         print the JSON audit lines on stderr
  --timeout S       stop cleanly before S seconds have passed (default 300;
                    with --tag, per secret)
  --tag KEY=VALUE   rotate every secret carrying this tag (e.g. after a CI
                    environment leaked: --tag env=ci --emergency); shows
                    progress on stderr and a summary; exit 1 if any failed
  --concurrency N   with --tag, secrets rotated at once (default 4)
  -h, --help        show this help

Environment: ROTOR_ENDPOINT and the ALIBABA_CLOUD_* variables (see README);
the deployment limits a function applies (ROTOR_SECRET_PREFIXES,
ROTOR_WEBHOOK_ORIGINS, ROTOR_PASSWORD_MIN_LENGTH, ROTOR_MAX_LEASE, …) are
read from this environment too (docs/security.md). With ROTOR_EVENT_BUS
set, the rotation publishes its events to that EventBridge bus as the
functions do (docs/events.md); a failed publish is a warning on stderr.
Exit codes: 0 done, 1 the rotation failed or was refused, 2 bad command line.`,

  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      {
        step: { type: "string" },
        "version-id": { type: "string" },
        emergency: { type: "boolean" },
        "dry-run": { type: "boolean" },
        json: { type: "boolean" },
        verbose: { type: "boolean" },
        timeout: { type: "string" },
        tag: { type: "string" },
        concurrency: { type: "string" },
      },
      true,
    );
    if (values.tag !== undefined) {
      if (positionals.length > 0)
        throw new UsageError("give either a secret name or --tag, not both");
      if (values.step !== undefined || values["version-id"] !== undefined) {
        throw new UsageError("--tag rotates whole secrets; it takes no --step or --version-id");
      }
      return rotateByTag(values.tag, {
        emergency: values.emergency === true,
        dryRun: values["dry-run"] === true,
        json: values.json === true,
        timeoutSeconds: integerFlag(values.timeout, "--timeout", 1, 86_400) ?? 300,
        concurrency: integerFlag(values.concurrency, "--concurrency", 1, 64) ?? 4,
        io,
      });
    }
    if (values.concurrency !== undefined) throw new UsageError("--concurrency goes with --tag");
    const [secretName, ...extra] = positionals;
    if (secretName === undefined) throw new UsageError("name the secret to rotate");
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const step = values.step;
    if (step !== undefined && !(STEPS as readonly string[]).includes(step)) {
      throw new UsageError(
        `--step expects one of ${STEPS.join(", ")}, got ${JSON.stringify(step)}`,
      );
    }
    const versionId = values["version-id"];
    if (step !== undefined && step !== "createSecret" && versionId === undefined) {
      throw new UsageError(`--step ${step} needs --version-id (the token createSecret printed)`);
    }
    if (versionId !== undefined && step === undefined)
      throw new UsageError("--version-id needs --step");
    if (values["dry-run"] && step !== undefined) throw new UsageError("--dry-run takes no --step");
    const timeout = integerFlag(values.timeout, "--timeout", 1, 86_400) ?? 300;
    const request: RotationRequest = {
      secretName,
      step: step as Step | undefined,
      versionId,
      emergency: values.emergency === true,
      dryRun: values["dry-run"] === true,
    };
    const credentials = envCredentials(io.env);
    const events = cliEventPublisher(io.env, credentials, io.err);
    let result: Awaited<ReturnType<typeof runRotation>>;
    try {
      result = await runRotation(request, {
        log: createJsonLogger(values.verbose ? io.err : () => {}),
        credentials,
        deadline: Date.now() + timeout * 1000,
        kms: { env: io.env },
        policy: deployPolicyFromEnv(io.env),
        rotators: Object.values(rotatorRegistry()),
        events,
      });
    } finally {
      await events?.flush();
    }
    if (values.json) {
      io.out(JSON.stringify(result));
    } else if (result.outcome === "dry-run-passed") {
      io.out(
        `${secretName}: dry run passed, the current version ${result.versionId} works; nothing changed`,
      );
    } else if (result.outcome === "already-current") {
      io.out(`${secretName}: version ${result.versionId} is already ACSCurrent; nothing to do`);
    } else {
      const verb =
        result.outcome === "rotated"
          ? "rotated"
          : `ran ${result.steps.join(", ") || "nothing new"}`;
      io.out(
        `${secretName}: ${verb}${result.resumed ? " (resumed an unfinished rotation)" : ""}; version ${result.versionId}${result.outcome === "rotated" ? " is ACSCurrent" : ""}`,
      );
    }
    return EXIT.ok;
  },
};
