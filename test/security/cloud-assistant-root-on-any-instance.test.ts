/**
 * Attack: a secret's writer names another team's ECS instance and its root
 * account. Cloud Assistant runs commands as root, so a rotation that ran
 * chpasswd (or edited authorized_keys) for whatever account a secret names
 * would hand the writer root on any instance the function's role reaches.
 * A RAM user allowed only kms:GetSecretValue and kms:PutSecretValue on its
 * team's secrets writes `InstanceId` of team B's instance and a uid 0
 * account of it into its own secret; the rotation functions (as their
 * templates' roles, then as root) must change nothing there. An instance
 * the deployment does not list is refused before any call.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSshKeyPair } from "../../src/core/rotators/ecs/ecs-key-pair.ts";
import type { LocalEcsInstance } from "../../src/local-cloud/ecs/local-ecs-instance.ts";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type SshdServer, sshdSkipReason, startSshd, type TestUser } from "../support/sshd.ts";
import { type SshdLoginCheck, sshdLoginCheck } from "../support/sshd-login-check.ts";
import {
  attackerWith,
  deployAs,
  FUNCTION_IDENTITIES,
  randomPart,
  templatePrefixes,
} from "./support/attack-setup.ts";

describe.skipIf(sshdSkipReason())("a secret's writer names another team's instance", () => {
  let sshd: SshdServer;
  let cloud: TestCloud;
  let canLogIn: SshdLoginCheck;
  const teamAInstance = `i-teama${randomPart()}`;
  const teamBInstance = `i-teamb${randomPart()}`;
  /** The deployment of a function serving both teams. */
  const bothTeams = { ROTOR_ECS_INSTANCES: `${teamAInstance},${teamBInstance}` };

  beforeAll(async () => {
    sshd = await startSshd();
    // Cloud Assistant's agent runs as root: the local ECS product logs in as a uid 0 account.
    const agent = await sshd.createUser({ privileged: true });
    const instance: LocalEcsInstance = {
      host: sshd.host,
      port: sshd.port,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      userName: agent.name,
      password: agent.password,
    };
    cloud = await startTestCloud({
      inMemory: true,
      ecsInstances: { [teamAInstance]: instance, [teamBInstance]: instance },
    });
    canLogIn = sshdLoginCheck(sshd);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([sshd?.stop(), cloud?.close()]);
  });

  /** Team A's secret of `kind` on its own instance, and a user who may only read and write it. */
  async function teamA(entry: string, kind: string, initial: object) {
    const { rotated } = await templatePrefixes(entry);
    const secretName = `${rotated}team-a/${kind}-${randomPart()}`;
    await cloud.kms.createSecret({
      secretName,
      versionId: "v0",
      secretData: JSON.stringify({ ...initial, InstanceId: teamAInstance, RegionId: cloud.region }),
      tags: [{ key: "rotor:rotator", value: kind }],
    });
    const attacker = await attackerWith(cloud, {
      Action: ["kms:GetSecretValue", "kms:PutSecretValue"],
      Resource: `acs:kms:*:*:secret/${rotated}team-a/*`,
    });
    return { secretName, attacker };
  }

  async function authorizedKeys(user: TestUser): Promise<string> {
    return readFile(`${user.home}/.ssh/authorized_keys`, "utf8").catch(() => "");
  }

  for (const identity of FUNCTION_IDENTITIES) {
    describe(`the function as ${identity}`, () => {
      it("sets no password of team B's root account", async () => {
        // Prepare
        const entry = "rotate-ecs-password";
        const root = await sshd.createUser({ privileged: true });
        const own = await sshd.createUser();
        const { secretName, attacker } = await teamA(entry, "ecs-password", {
          UserName: own.name,
          Password: own.password,
        });
        const functionName = await deployAs(cloud, { entry, identity, settings: bothTeams });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            UserName: root.name,
            Password: `Guess-${randomPart()}`,
            InstanceId: teamBInstance,
            RegionId: cloud.region,
          }),
        });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome.ok).toBe(false);
        expect(await canLogIn(root.name, { password: root.password })).toBe(true);
      });

      it("adds no key to team B's root account", async () => {
        // Prepare
        const entry = "rotate-ecs-ssh-key";
        const root = await sshd.createUser({ privileged: true });
        const keysBefore = await authorizedKeys(root);
        const pair = await generateSshKeyPair("ed25519", "team-a");
        const { secretName, attacker } = await teamA(entry, "ecs-ssh-key", {
          UserName: root.name,
          PublicKey: pair.publicKey,
          PrivateKey: pair.privateKey,
        });
        const functionName = await deployAs(cloud, { entry, identity, settings: bothTeams });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            UserName: root.name,
            PublicKey: pair.publicKey,
            PrivateKey: pair.privateKey,
            InstanceId: teamBInstance,
            RegionId: cloud.region,
          }),
        });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome.ok).toBe(false);
        expect(await authorizedKeys(root)).toBe(keysBefore);
      });

      it("runs nothing on an instance the deployment does not list", async () => {
        // Prepare: the writer holds this account's password; the instance is still not the function's.
        const entry = "rotate-ecs-password";
        const own = await sshd.createUser();
        const { secretName, attacker } = await teamA(entry, "ecs-password", {
          UserName: own.name,
          Password: own.password,
        });
        const functionName = await deployAs(cloud, {
          entry,
          identity,
          settings: { ROTOR_ECS_INSTANCES: teamAInstance },
        });
        await attacker.kms.putSecretValue({
          secretName,
          versionId: `attack-${randomPart()}`,
          secretData: JSON.stringify({
            UserName: own.name,
            Password: own.password,
            InstanceId: teamBInstance,
            RegionId: cloud.region,
          }),
        });

        // Act
        const outcome = await invokeForOutcome(cloud, functionName, { SecretName: secretName });

        // Assess
        expect(outcome).toMatchObject({ ok: false, errorType: "PolicyError" });
        expect(await canLogIn(own.name, { password: own.password })).toBe(true);
      });
    });
  }
});
