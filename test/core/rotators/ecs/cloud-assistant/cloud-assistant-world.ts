/**
 * What the Cloud Assistant suites share: a real sshd standing in for an ECS
 * instance, a local cloud whose ECS product reaches it over SSH as a uid 0
 * account (as the Cloud Assistant agent runs as root), ECS clients pointed
 * at that cloud, and an engine per rotator with every log line kept.
 */
import { afterAll, beforeAll } from "vitest";
import { EcsClient, type EcsClientOptions } from "../../../../../src/cloud-api/ecs-client.ts";
import type {
  AnyRotator,
  BeforeExternalCall,
} from "../../../../../src/core/contract/rotator-contract.ts";
import type { RotationEngine } from "../../../../../src/core/engine/rotation-engine.ts";
import type { EcsCloudAssistantClients } from "../../../../../src/core/rotators/ecs/cloud-assistant/ecs-cloud-assistant-clients.ts";
import type { LocalEcsInstance } from "../../../../../src/local-cloud/ecs/local-ecs-instance.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../../../../support/local-cloud.ts";
import { type SshdServer, startSshd } from "../../../../support/sshd.ts";
import { type SshdLoginCheck, sshdLoginCheck } from "../../../../support/sshd-login-check.ts";
import { ecsTestEngine, jsonValueAt } from "../ecs-rotation-setup.ts";

export interface CloudAssistantWorld {
  sshd: SshdServer;
  cloud: TestCloud;
  /** The instance id the local ECS product maps to the sshd. */
  instanceId: string;
  logLines: string[];
  /** ECS clients as the root account, fast retries. */
  clients: EcsCloudAssistantClients;
  ecs(options?: Omit<EcsClientOptions, "endpoint">): EcsClient;
  /** Stores `value` (plus InstanceId and RegionId) as a new secret tagged for `kind`. */
  createSecret(kind: string, value: Record<string, unknown>): Promise<string>;
  engine(
    rotator: AnyRotator,
    options?: { beforeExternalCall?: BeforeExternalCall; afterLease?: boolean },
  ): RotationEngine;
  valueAt(secretName: string, stage: string): Promise<Record<string, string>>;
  canLogIn: SshdLoginCheck;
}

export function useCloudAssistantWorld(): () => CloudAssistantWorld {
  let world: CloudAssistantWorld | undefined;
  let sshd: SshdServer | undefined;
  let cloud: TestCloud | undefined;
  beforeAll(async () => {
    sshd = await startSshd();
    const s = sshd;
    const agent = await s.createUser({ privileged: true });
    const instanceId = uniqueName("i-local");
    const instance: LocalEcsInstance = {
      host: s.host,
      port: s.port,
      hostKeyFingerprint: s.hostKeyFingerprint,
      userName: agent.name,
      password: agent.password,
    };
    cloud = await startTestCloud({ inMemory: true, ecsInstances: { [instanceId]: instance } });
    const c = cloud;
    const ecs = (options: Omit<EcsClientOptions, "endpoint"> = {}) =>
      new EcsClient({
        credentials: c.credentials,
        region: c.region,
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
        ...options,
        endpoint: c.endpoint,
      });
    const logLines: string[] = [];
    world = {
      sshd: s,
      cloud: c,
      instanceId,
      logLines,
      ecs,
      clients: { ecs: (regionId) => ecs({ region: regionId }) },
      async createSecret(kind, value) {
        const secretName = uniqueName(`ecs-ca-${kind}`);
        await c.kms.createSecret({
          secretName,
          secretData: JSON.stringify({ InstanceId: instanceId, RegionId: c.region, ...value }),
          versionId: "v0",
          tags: [{ key: "rotor:rotator", value: kind }],
        });
        return secretName;
      },
      engine: (rotator, options) => ecsTestEngine(c, logLines, rotator, options),
      valueAt: (secretName, stage) => jsonValueAt(c, secretName, stage),
      canLogIn: sshdLoginCheck(s),
    };
  }, 120_000);
  afterAll(async () => {
    await Promise.all([sshd?.stop(), cloud?.close()]);
  });
  return () => {
    if (!world) throw new Error("the Cloud Assistant world starts in beforeAll");
    return world;
  };
}
