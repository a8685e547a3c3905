/**
 * What the ECS policy proofs share: a real sshd that is both a server
 * reached over SSH and, through the local cloud's ECS product, the Cloud
 * Assistant instance `instanceId` (a second id, `otherInstanceId`, names the
 * same server, for a statement narrowed to the first); secrets for either
 * transport; and the rotation functions deployed as a role holding one
 * policy, with the role's keys in the environment as FC gives them (the
 * Cloud Assistant client takes the standard credential chain). The
 * function itself is deployed allowing every instance
 * (ROTOR_ECS_INSTANCES=*), so a refusal is the policy's.
 */
import { randomBytes } from "node:crypto";
import { chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { LocalEcsInstance } from "../../../src/local-cloud/ecs/local-ecs-instance.ts";
import { startTestCloud, type TestCloud } from "../../support/local-cloud.ts";
import { type SshdServer, startSshd, type TestUser } from "../../support/sshd.ts";
import { type SshdLoginCheck, sshdLoginCheck } from "../../support/sshd-login-check.ts";
import { deployAsRole, type PolicyDocument } from "./policy-proof.ts";

export type EcsTransport = "ssh" | "cloud-assistant";

export interface EcsPolicyWorld {
  sshd: SshdServer;
  cloud: TestCloud;
  instanceId: string;
  otherInstanceId: string;
  /** Deploys functions/<entry> as a new role holding only `policy`; returns the function's name. */
  deploy(entry: string, policy: PolicyDocument): Promise<string>;
  /**
   * Stores a secret tagged `kind` for `user` reached over `transport`, as
   * `secretName` (default `rotor/<kind>/<random>`). Over SSH the value names
   * a privileged login stored as `privilegedName` (default
   * `rotor-privileged/<kind>/<random>`), which names the same server; over
   * Cloud Assistant it names `instance` (default `instanceId`).
   */
  createSecret(input: {
    kind: "ecs-password" | "ecs-ssh-key";
    transport: EcsTransport;
    credential: Record<string, string>;
    user: TestUser;
    secretName?: string;
    privilegedName?: string;
    instance?: string;
  }): Promise<string>;
  /** The secret's ACSCurrent value, parsed. */
  current(secretName: string): Promise<Record<string, string>>;
  /** Writes `publicKey` as the user's only authorized key (0600 in a 0700 ~/.ssh, owned by the user). */
  installKey(user: TestUser, publicKey: string): Promise<void>;
  canLogIn: SshdLoginCheck;
}

/** Starts the sshd and the local cloud for a suite in beforeAll, stops both in afterAll. */
export function useEcsPolicyWorld(): () => EcsPolicyWorld {
  let world: EcsPolicyWorld | undefined;
  let sshd: SshdServer | undefined;
  let cloud: TestCloud | undefined;
  beforeAll(async () => {
    sshd = await startSshd();
    const s = sshd;
    // Cloud Assistant's agent runs as root: the local ECS product logs in as a uid 0 account.
    const agent = await s.createUser({ privileged: true });
    const instance: LocalEcsInstance = {
      host: s.host,
      port: s.port,
      hostKeyFingerprint: s.hostKeyFingerprint,
      userName: agent.name,
      password: agent.password,
    };
    const instanceId = `i-policy${randomBytes(4).toString("hex")}`;
    const otherInstanceId = `i-other${randomBytes(4).toString("hex")}`;
    cloud = await startTestCloud({
      inMemory: true,
      ecsInstances: { [instanceId]: instance, [otherInstanceId]: instance },
    });
    const c = cloud;
    const store = async (secretName: string, value: object, kind?: string) => {
      await c.kms.createSecret({
        secretName,
        secretData: JSON.stringify(value),
        versionId: "v0",
        tags: kind ? [{ key: "rotor:rotator", value: kind }] : undefined,
      });
    };
    world = {
      sshd: s,
      cloud: c,
      instanceId,
      otherInstanceId,
      async deploy(entry, policy) {
        const functionName = `${entry}-${randomBytes(4).toString("hex")}`;
        // The deployment lists both instances: the RAM policy alone decides between them here.
        await deployAsRole(c, {
          entry,
          functionName,
          policy,
          environment: { ROTOR_ECS_INSTANCES: `${instanceId},${otherInstanceId}` },
        });
        return functionName;
      },
      async createSecret(input) {
        const secretName =
          input.secretName ?? `rotor/${input.kind}/${randomBytes(4).toString("hex")}`;
        let where: Record<string, unknown>;
        if (input.transport === "ssh") {
          const admin = await s.createUser({ privileged: true });
          const privilegedName =
            input.privilegedName ??
            `rotor-privileged/${input.kind}/${randomBytes(4).toString("hex")}`;
          const server = { host: s.host, port: s.port, hostKeyFingerprint: s.hostKeyFingerprint };
          await store(privilegedName, {
            UserName: admin.name,
            Password: admin.password,
            ...server,
          });
          where = { ...server, privilegedSecret: privilegedName };
        } else {
          where = { InstanceId: input.instance ?? instanceId, RegionId: c.region };
        }
        await store(
          secretName,
          { UserName: input.user.name, ...input.credential, ...where },
          input.kind,
        );
        return secretName;
      },
      async current(secretName) {
        const version = await c.kms.getSecretValue({ secretName });
        return JSON.parse(version.secretData) as Record<string, string>;
      },
      async installKey(user, publicKey) {
        const dir = join(user.home, ".ssh");
        const file = join(dir, "authorized_keys");
        await mkdir(dir, { mode: 0o700 });
        await writeFile(file, `${publicKey}\n`, { mode: 0o600 });
        await chown(dir, user.uid, user.gid);
        await chown(file, user.uid, user.gid);
      },
      canLogIn: sshdLoginCheck(s),
    };
  }, 120_000);
  afterAll(async () => {
    await Promise.all([sshd?.stop(), cloud?.close()]);
  });
  return () => {
    if (!world) throw new Error("the ECS policy world starts in beforeAll; use it in a test");
    return world;
  };
}
