/**
 * What the ECS rotator suites share: a real sshd, a local cloud, secrets
 * pointing at the sshd, and an engine running one rotator with every log
 * line kept so tests can check that no secret value was printed.
 */
import { chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type {
  AnyRotator,
  BeforeExternalCall,
} from "../../../../src/core/contract/rotator-contract.ts";
import { DEFAULT_ENGINE_CONFIG } from "../../../../src/core/contract/tags/engine-tags.ts";
import { createJsonLogger } from "../../../../src/core/engine/json-logger.ts";
import { RotationEngine } from "../../../../src/core/engine/rotation-engine.ts";
import { ANY_INSTANCE } from "../../../support/deploy-policies.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../../../support/local-cloud.ts";
import { type SshdServer, startSshd, type TestUser } from "../../../support/sshd.ts";
import { type SshdLoginCheck, sshdLoginCheck } from "../../../support/sshd-login-check.ts";

export interface EcsRotationWorld {
  sshd: SshdServer;
  cloud: TestCloud;
  /** Every log line any engine of the suite wrote. */
  logLines: string[];
  /** Stores `value` (plus where the sshd is) as a new secret tagged for `kind`. */
  createSecret(kind: string, value: Record<string, unknown>): Promise<string>;
  /**
   * An engine for one rotator. `afterLease`: its clock runs past the lock's
   * lease, so it takes over a rotation a crashed invocation left behind.
   */
  engine(
    rotator: AnyRotator,
    options?: { beforeExternalCall?: BeforeExternalCall; afterLease?: boolean },
  ): RotationEngine;
  /** The secret's value at a stage, parsed. */
  valueAt(secretName: string, stage: string): Promise<Record<string, string>>;
  canLogIn: SshdLoginCheck;
}

/** Starts the sshd and the local cloud for a suite (stopped after it). */
export function useEcsRotationWorld(): () => EcsRotationWorld {
  let world: EcsRotationWorld | undefined;
  let sshd: SshdServer | undefined;
  let cloud: TestCloud | undefined;
  beforeAll(async () => {
    [sshd, cloud] = await Promise.all([startSshd(), startTestCloud({ inMemory: true })]);
    const s = sshd;
    const c = cloud;
    const logLines: string[] = [];
    world = {
      sshd: s,
      cloud: c,
      logLines,
      async createSecret(kind, value) {
        const secretName = uniqueName(`ecs-${kind}`);
        const data = {
          host: s.host,
          port: s.port,
          hostKeyFingerprint: s.hostKeyFingerprint,
          ...value,
        };
        await c.kms.createSecret({
          secretName,
          secretData: JSON.stringify(data),
          versionId: "v0",
          tags: [{ key: "rotor:rotator", value: kind }],
        });
        return secretName;
      },
      engine: (rotator, options) => ecsTestEngine(c, logLines, rotator, options),
      valueAt: (secretName, stage) => jsonValueAt(c, secretName, stage),
      canLogIn: sshdLoginCheck(s),
    };
  });
  afterAll(async () => {
    await Promise.all([sshd?.stop(), cloud?.close()]);
  });
  return () => {
    if (!world) throw new Error("the ECS rotation world starts in beforeAll");
    return world;
  };
}

/**
 * An engine for one rotator on the suite's cloud, its lines kept in
 * `logLines`. `afterLease`: its clock runs past the lock's lease.
 */
export function ecsTestEngine(
  cloud: TestCloud,
  logLines: string[],
  rotator: AnyRotator,
  options: { beforeExternalCall?: BeforeExternalCall; afterLease?: boolean } = {},
): RotationEngine {
  return new RotationEngine({
    kms: {
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      region: cloud.region,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
    },
    rotators: { [rotator.kind]: rotator },
    policy: ANY_INSTANCE,
    log: createJsonLogger((line) => logLines.push(line)),
    testRetryDelayMs: 50,
    beforeExternalCall: options.beforeExternalCall,
    now: options.afterLease ? () => Date.now() + DEFAULT_ENGINE_CONFIG.leaseMs + 60_000 : undefined,
  });
}

/** The secret's value at a stage, parsed as JSON. */
export async function jsonValueAt(
  cloud: TestCloud,
  secretName: string,
  stage: string,
): Promise<Record<string, string>> {
  const secret = await cloud.kms.getSecretValue({ secretName, versionStage: stage });
  return JSON.parse(secret.secretData) as Record<string, string>;
}

/** A fault hook that crashes the `n`-th external call (1-based) and counts them all. */
export function crashAt(n: number): { hook: BeforeExternalCall; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    hook(call) {
      calls.push(`${call.kind}:${call.name}`);
      if (calls.length === n)
        throw new Error(`injected crash before ${call.kind} call ${call.name}`);
    },
  };
}

/** Writes `publicKey` as the user's only authorized key (0600 in a 0700 ~/.ssh, owned by the user). */
export async function installKey(user: TestUser, publicKey: string): Promise<void> {
  const dir = join(user.home, ".ssh");
  const file = join(dir, "authorized_keys");
  await mkdir(dir, { mode: 0o700, recursive: true });
  await writeFile(file, `${publicKey}\n`, { mode: 0o600 });
  await chown(dir, user.uid, user.gid);
  await chown(file, user.uid, user.gid);
}
