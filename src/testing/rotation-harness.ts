/**
 * A local cloud and the tools to drive rotations against it, for the
 * conformance suite and the engine's own tests: unique secret names, an
 * engine factory with fault hooks and a movable clock, every log line kept
 * for the leak scan, and the consistency check every rotation must pass.
 */
import { randomUUID } from "node:crypto";
import {
  type AnyRotator,
  type BeforeExternalCall,
  type DeployPolicy,
  openRotatorCloud,
} from "@rotor/core";
import { type AccessKeyCredentials, KmsClient, type VersionSummary } from "@rotor/core/cloud-api";
import { createJsonLogger, type EngineOptions, RotationEngine } from "@rotor/core/engine";
import { rotatorRegistry } from "@rotor/core/rotators";
import { type RunningLocalCloud, startLocalCloud } from "@rotor/local-cloud";

export interface EngineOverrides {
  /**
   * Whom the invocation calls as, for KMS and for its rotators' cloud
   * (ctx.cloud), as a function runs as its role; default the local cloud's root.
   */
  credentials?: AccessKeyCredentials | undefined;
  beforeExternalCall?: BeforeExternalCall | undefined;
  /** Shifts the engine's clock, e.g. past a lease to act as a later invocation. */
  clockOffsetMs?: number | undefined;
  deadline?: number | undefined;
  stepMarginMs?: number | undefined;
  /** What the deployment allows; default read from the environment, as a function does. */
  policy?: DeployPolicy | undefined;
  /** The rotation record's key (ROTOR_RECORD_KEY); default read from the environment. */
  recordKey?: Buffer | undefined;
}

export interface RotationHarness {
  cloud: RunningLocalCloud;
  /** A KMS client without faults, for preparing and inspecting secrets. */
  admin: KmsClient;
  /** Every line the engines wrote. */
  logLines: string[];
  uniqueName(prefix: string): string;
  createSecret(input: { name: string; data: string; tags: Record<string, string> }): Promise<void>;
  engine(overrides?: EngineOverrides): RotationEngine;
  versions(secretName: string): Promise<VersionSummary[]>;
  /** Throws unless: one ACSCurrent, at most one ACSPrevious, nothing pending, no lease label left. */
  assertConsistent(secretName: string, pendingStage?: string): Promise<VersionSummary[]>;
  /** Shifts the local cloud's clock (version CreateTimes), e.g. back to age a lease. */
  setCloudClock(offsetMs: number): void;
  close(): Promise<void>;
}

export interface RotationHarnessOptions {
  /** What the engines' deployment allows (targets, privileged secrets); default read from the environment. */
  policy?: DeployPolicy | undefined;
}

export async function startRotationHarness(
  rotators: readonly AnyRotator[] = [],
  harnessOptions: RotationHarnessOptions = {},
): Promise<RotationHarness> {
  let cloudClockOffset = 0;
  const cloud = await startLocalCloud({ now: () => Date.now() + cloudClockOffset });
  const admin = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const logLines: string[] = [];
  // The rotator under test replaces a built-in one of the same kind.
  const registry = {
    ...rotatorRegistry(),
    ...Object.fromEntries(rotators.map((rotator) => [rotator.kind, rotator])),
  };
  const run = randomUUID().slice(0, 8);
  let counter = 0;

  const versions = async (secretName: string) =>
    (await admin.listSecretVersionIds({ secretName, includeDeprecated: true })).versions;

  return {
    cloud,
    admin,
    logLines,
    uniqueName: (prefix) => `${prefix}-${run}-${++counter}`,
    async createSecret({ name, data, tags }) {
      await admin.createSecret({
        secretName: name,
        secretData: data,
        versionId: `v0-${randomUUID()}`,
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
    },
    engine(overrides = {}) {
      const offset = overrides.clockOffsetMs ?? 0;
      const credentials = overrides.credentials ?? cloud.credentials;
      const options: EngineOptions = {
        kms: { endpoint: cloud.endpoint, credentials },
        // Every rotator's cloud calls (RDS, RAM, ECS, …) go to this local cloud, as the invocation.
        cloud: openRotatorCloud({ endpoint: cloud.endpoint, credentials }),
        rotators: registry,
        // A test's own policy, else the harness's, else the environment's.
        policy: overrides.policy ?? harnessOptions.policy,
        log: createJsonLogger((line) => logLines.push(line)),
        now: () => Date.now() + offset,
        beforeExternalCall: overrides.beforeExternalCall,
        deadline: overrides.deadline,
        stepMarginMs: overrides.stepMarginMs,
        recordKey: overrides.recordKey,
        sleep: () => new Promise((resolve) => setTimeout(resolve, 10)),
        testRetryDelayMs: 10,
      };
      return new RotationEngine(options);
    },
    versions,
    async assertConsistent(secretName, pendingStage = "ACSPending") {
      const all = await versions(secretName);
      const holding = (stage: string) =>
        all.filter((version) => version.versionStages.includes(stage));
      const problems: string[] = [];
      if (holding("ACSCurrent").length !== 1)
        problems.push(`${holding("ACSCurrent").length} ACSCurrent`);
      if (holding("ACSPrevious").length > 1)
        problems.push(`${holding("ACSPrevious").length} ACSPrevious`);
      if (holding(pendingStage).length > 0)
        problems.push(`${pendingStage} left on ${holding(pendingStage)[0]?.versionId}`);
      if (holding("RotorLease").length > 0) problems.push("RotorLease left");
      if (problems.length > 0) {
        const listing = all.map(
          (version) => `${version.versionId}[${version.versionStages.join(",")}]`,
        );
        throw new Error(
          `Secret ${secretName} is inconsistent: ${problems.join(", ")}; versions: ${listing.join(" ")}`,
        );
      }
      return all;
    },
    setCloudClock(offsetMs) {
      cloudClockOffset = offsetMs;
    },
    close: () => cloud.close(),
  };
}
