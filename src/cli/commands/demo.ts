import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KmsClient } from "../../clients/kms-client.ts";
import { startLocalCloud } from "../../local-cloud/embedded.ts";
import { type Command, EXIT } from "../command.ts";
import { parseFlags } from "../parse-flags.ts";

export const demoCommand: Command = {
  name: "demo",
  summary: "Show Rotor end to end on an embedded local cloud (nothing leaves this machine)",
  help: `Usage: rotor demo [--keep]

Starts an embedded local cloud in a temporary folder, creates a secret,
stores a second version and prints the versions with their stages, all
through the official Alibaba Cloud OpenAPI client. Secret values are never
printed.

Options:
  --keep      keep the temporary state folder and print where it is
  -h, --help  show this help`,

  async run(args, io) {
    const { values } = parseFlags(args, { keep: { type: "boolean" } });
    const stateDir = await mkdtemp(join(tmpdir(), "rotor-demo-"));
    const cloud = await startLocalCloud({ stateDir });
    try {
      io.out(`local cloud: ${cloud.endpoint} (state in ${stateDir})`);
      const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      const secretName = "demo/MyDbCreds";
      const first = `v-${randomUUID()}`;
      await kms.createSecret({
        secretName,
        versionId: first,
        secretData: JSON.stringify({
          AccountName: "myapp",
          AccountPassword: (await kms.getRandomPassword({ excludePunctuation: true }))
            .randomPassword,
        }),
        tags: [{ key: "rotor:rotator", value: "generic" }],
      });
      io.out(`created ${secretName} with version ${first}`);
      await printVersions(kms, secretName, io.out);
      const second = `v-${randomUUID()}`;
      await kms.putSecretValue({
        secretName,
        versionId: second,
        secretData: JSON.stringify({
          AccountName: "myapp",
          AccountPassword: (await kms.getRandomPassword({ excludePunctuation: true }))
            .randomPassword,
        }),
      });
      io.out(`stored version ${second} (it becomes ACSCurrent, the old one ACSPrevious)`);
      await printVersions(kms, secretName, io.out);
      const current = await kms.getSecretValue({ secretName });
      io.out(
        `an application reading ${secretName} gets version ${current.versionId} (${current.secretData.length} characters, value not shown)`,
      );
      return EXIT.ok;
    } finally {
      await cloud.close();
      if (values.keep) io.out(`state kept in ${stateDir}`);
      else await rm(stateDir, { recursive: true, force: true });
    }
  },
};

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
