/**
 * `rotor cancel` after an ECS password rotation ran its setSecret, through
 * the CLI on a real sshd. The account has one password, and setSecret
 * already changed it to the pending one, so ACSCurrent no longer logs in:
 * cancel refuses (it would leave the secret naming a dead password) and
 * says to resume, and `rotor rotate` resumes the rotation to its end. No
 * rotation can be left with a password no stage names.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { type SshdServer, sshdSkipReason, startSshd } from "../support/sshd.ts";
import { sshdLoginCheck } from "../support/sshd-login-check.ts";

/** How long ago the stopped rotation ran: past its lease, so only the login check can refuse. */
const HOURS_AGO = -2 * 60 * 60 * 1000;

describe.skipIf(sshdSkipReason() !== undefined)(
  "ecs-password after setSecret: rotor cancel on a real sshd",
  () => {
    let cloud: RunningLocalCloud;
    let kms: KmsClient;
    let sshd: SshdServer;
    let env: Record<string, string>;
    /** The local cloud's clock runs this far from the real one (to leave a rotation behind). */
    let clockOffset = 0;

    beforeAll(async () => {
      [cloud, sshd] = await Promise.all([
        startLocalCloud({ now: () => Date.now() + clockOffset }),
        startSshd(),
      ]);
      kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      env = {
        ROTOR_ENDPOINT: cloud.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
        ALIBABA_CLOUD_REGION_ID: cloud.region,
      };
    });
    afterAll(async () => {
      await cloud?.close();
      await sshd?.stop();
    });

    async function rotor(...args: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
      return { code, out: out.join("\n"), err: err.join("\n") };
    }

    const passwordOf = async (secretName: string, versionStage = "ACSCurrent") =>
      (
        JSON.parse((await kms.getSecretValue({ secretName, versionStage })).secretData) as {
          Password: string;
        }
      ).Password;

    it("refuses to cancel, naming rotor rotate; rotor rotate then finishes the rotation", async () => {
      // Prepare: createSecret and setSecret ran hours ago, then the rotation stopped.
      const user = await sshd.createUser({ privileged: true });
      const secretName = `ecs-cancel/${randomUUID().slice(0, 8)}`;
      clockOffset = HOURS_AGO;
      let versionId: string;
      try {
        await kms.createSecret({
          secretName,
          versionId: "v0",
          secretData: JSON.stringify({
            host: sshd.host,
            port: sshd.port,
            hostKeyFingerprint: sshd.hostKeyFingerprint,
            UserName: user.name,
            Password: user.password,
          }),
          tags: [{ key: "rotor:rotator", value: "ecs-password" }],
        });
        const created = await rotor("rotate", secretName, "--step", "createSecret", "--json");
        expect(created.err).toBe("");
        versionId = (JSON.parse(created.out) as { versionId: string }).versionId;
        const set = await rotor(
          "rotate",
          secretName,
          "--step",
          "setSecret",
          "--version-id",
          versionId,
        );
        expect({ code: set.code, err: set.err }).toEqual({ code: 0, err: "" });
      } finally {
        clockOffset = 0;
      }
      const canLogIn = sshdLoginCheck(sshd);
      const pendingPassword = await passwordOf(secretName, "ACSPending");

      // Act
      const cancel = await rotor("cancel", secretName);
      const resumed = await rotor("rotate", secretName, "--json");

      // Assess
      expect(cancel.code).toBe(1);
      expect(cancel.err).toContain(`Resume it with \`rotor rotate ${secretName}\``);
      expect({ code: resumed.code, err: resumed.err }).toEqual({ code: 0, err: "" });
      expect(JSON.parse(resumed.out)).toMatchObject({ versionId, outcome: "rotated" });
      expect(await passwordOf(secretName)).toBe(pendingPassword);
      expect(await canLogIn(user.name, { password: pendingPassword })).toBe(true);
      expect(await canLogIn(user.name, { password: user.password })).toBe(false);
    });
  },
);
