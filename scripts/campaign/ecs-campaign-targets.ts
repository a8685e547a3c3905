/**
 * The ECS kinds of a crash campaign: a Linux account on the campaign's real
 * sshd whose password or SSH key the `ecs-password` / `ecs-ssh-key`
 * rotators change, reached over SSH or through the local cloud's Cloud
 * Assistant. A value works when a fresh SSH login with it is accepted.
 *
 * - ecs-password (SSH): the account changes its own password, so it is a
 *   uid 0 login (the mode where setSecret finds a crashed attempt by trying
 *   the pending, current and previous passwords in turn);
 * - ecs-ssh-key (SSH): an ordinary account edits its own authorized_keys,
 *   logged in with the pending, current or previous key;
 * - the -cloud-assistant kinds: an ordinary account changed by root
 *   commands that Cloud Assistant runs.
 *
 * One account, one password: once a password rotation is done the old
 * password must no longer log in. A key rotation keeps the old key as
 * ACSPrevious, and the account's authorized_keys must hold exactly the keys
 * of ACSCurrent and ACSPrevious (no key left behind by a killed attempt).
 */
import { randomBytes } from "node:crypto";
import { chown, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { rotationKeyComment } from "../../src/core/rotators/ecs/ecs-authorized-keys.ts";
import { generateSshKeyPair } from "../../src/core/rotators/ecs/ecs-key-pair.ts";
import { canLogIn } from "../../src/core/rotators/ecs/ecs-ssh-session.ts";
import type { TestUser } from "../../test/support/sshd.ts";
import type { CampaignSshd } from "./campaign-sshd.ts";

export const ECS_CAMPAIGN_KINDS = [
  "ecs-password",
  "ecs-ssh-key",
  "ecs-password-cloud-assistant",
  "ecs-ssh-key-cloud-assistant",
] as const;
export type EcsCampaignKind = (typeof ECS_CAMPAIGN_KINDS)[number];

export interface EcsCampaignTarget {
  secretName: string;
  /** The account whose login the secret holds. */
  user: TestUser;
  verify(data: string): Promise<void>;
  orphans(current: string, previous: string | undefined): Promise<string[]>;
  previousCredential: "works" | "stops-working";
}

interface EcsValue {
  UserName: string;
  Password?: string;
  PublicKey?: string;
  PrivateKey?: string;
}

const suffix = () => randomBytes(4).toString("hex");

/** The key blob of an authorized_keys line or public key (its second field). */
const blobOf = (line: string) => line.trim().split(/\s+/)[1];

export async function prepareEcsTarget(
  kind: EcsCampaignKind,
  kms: KmsClient,
  host: CampaignSshd,
): Promise<EcsCampaignTarget> {
  const { sshd } = host;
  const secretName = `campaign/${kind}/${suffix()}`;
  const versionId = `v0-${suffix()}`;
  const cloudAssistant = kind.endsWith("-cloud-assistant");
  const passwords = kind.startsWith("ecs-password");
  // Over SSH without a privileged login, only a uid 0 account may run chpasswd for itself.
  const user = await sshd.createUser({ privileged: kind === "ecs-password" });
  const reach = cloudAssistant
    ? { InstanceId: host.instanceId, RegionId: "cn-hangzhou" }
    : { host: sshd.host, port: sshd.port, hostKeyFingerprint: sshd.hostKeyFingerprint };
  const credential = passwords
    ? { Password: user.password }
    : await installFirstKey(user, rotationKeyComment(secretName, versionId));
  await kms.createSecret({
    secretName,
    secretData: JSON.stringify({ UserName: user.name, ...credential, ...reach }),
    versionId,
    tags: [{ key: "rotor:rotator", value: passwords ? "ecs-password" : "ecs-ssh-key" }],
  });

  const logsIn = (data: string) => {
    const value = JSON.parse(data) as EcsValue;
    return canLogIn({
      host: sshd.host,
      port: sshd.port,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      userName: value.UserName,
      password: value.Password,
      privateKey: value.PrivateKey,
      timeoutMs: 20_000,
    });
  };
  return {
    secretName,
    user,
    previousCredential: passwords ? "stops-working" : "works",
    async verify(data) {
      if (!(await logsIn(data))) throw new Error(`sshd refuses the login of ${user.name}`);
    },
    async orphans(current, previous) {
      if (passwords) return [];
      const named = new Set(
        [current, previous].flatMap((data) =>
          data === undefined ? [] : [blobOf((JSON.parse(data) as EcsValue).PublicKey ?? "")],
        ),
      );
      const file = join(user.home, ".ssh", "authorized_keys");
      const lines = (await readFile(file, "utf8"))
        .split("\n")
        .filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
      // The comment names the secret and the version that added the key, never key material.
      return lines
        .filter((line) => !named.has(blobOf(line)))
        .map(
          (line) =>
            `authorized_keys of ${user.name} holds a key no version names (${line.trim().split(/\s+/)[2] ?? "no comment"})`,
        );
    },
  };
}

/** Puts a first key pair, tagged as the secret's first version, in the account's authorized_keys. */
async function installFirstKey(
  user: TestUser,
  comment: string,
): Promise<{ PublicKey: string; PrivateKey: string }> {
  const pair = await generateSshKeyPair("ed25519", comment);
  const dir = join(user.home, ".ssh");
  const file = join(dir, "authorized_keys");
  await mkdir(dir, { mode: 0o700, recursive: true });
  await writeFile(file, `${pair.publicKey}\n`, { mode: 0o600 });
  await chown(dir, user.uid, user.gid);
  await chown(file, user.uid, user.gid);
  return { PublicKey: pair.publicKey, PrivateKey: pair.privateKey };
}
