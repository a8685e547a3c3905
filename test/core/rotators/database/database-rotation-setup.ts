/**
 * A local cloud, a KMS client and rotation engines wired to the database
 * rotators, for the availability and emergency tests (the conformance suite
 * brings its own).
 */
import { randomUUID } from "node:crypto";
import { KmsClient } from "../../../../src/cloud-api/kms-client.ts";
import type { DeployPolicy } from "../../../../src/core/contract/deploy-policy.ts";
import type { BeforeExternalCall } from "../../../../src/core/contract/rotator-contract.ts";
import { createJsonLogger } from "../../../../src/core/engine/json-logger.ts";
import { RotationEngine } from "../../../../src/core/engine/rotation-engine.ts";
import type { DatabaseSecretValue } from "../../../../src/core/rotators/database/database-secret-value.ts";
import { mysqlRotator } from "../../../../src/core/rotators/database/mysql-rotator.ts";
import { postgresRotator } from "../../../../src/core/rotators/database/postgres-rotator.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../../../src/local-cloud/embedded.ts";

export interface DatabaseRotationSetup {
  cloud: RunningLocalCloud;
  kms: KmsClient;
  logLines: string[];
  engine(options?: {
    beforeExternalCall?: BeforeExternalCall;
    clockOffsetMs?: number;
    /** What the deployment allows; default read from the environment. */
    policy?: DeployPolicy;
  }): RotationEngine;
  createSecret(prefix: string, value: DatabaseSecretValue): Promise<string>;
  /** The value a stage names, parsed. */
  read(secretName: string, stage?: string): Promise<DatabaseSecretValue & { versionId: string }>;
  close(): Promise<void>;
}

export async function startDatabaseRotationSetup(): Promise<DatabaseRotationSetup> {
  const cloud = await startLocalCloud();
  const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const logLines: string[] = [];
  return {
    cloud,
    kms,
    logLines,
    engine(options = {}) {
      const offset = options.clockOffsetMs ?? 0;
      return new RotationEngine({
        kms: { endpoint: cloud.endpoint, credentials: cloud.credentials },
        rotators: { mysql: mysqlRotator, postgres: postgresRotator },
        policy: options.policy,
        log: createJsonLogger((line) => logLines.push(line)),
        now: () => Date.now() + offset,
        beforeExternalCall: options.beforeExternalCall,
        sleep: () => new Promise((resolve) => setTimeout(resolve, 20)),
        testRetryDelayMs: 20,
      });
    },
    async createSecret(prefix, value) {
      const secretName = `${prefix}-${randomUUID().slice(0, 8)}`;
      await kms.createSecret({
        secretName,
        versionId: `v0-${randomUUID()}`,
        secretData: JSON.stringify(value),
        tags: [{ key: "rotor:rotator", value: value.engine }],
      });
      return secretName;
    },
    async read(secretName, stage = "ACSCurrent") {
      const version = await kms.getSecretValue({ secretName, versionStage: stage });
      return {
        ...(JSON.parse(version.secretData) as DatabaseSecretValue),
        versionId: version.versionId,
      };
    },
    close: () => cloud.close(),
  };
}
