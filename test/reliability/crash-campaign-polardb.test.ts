/**
 * The crash campaign's PolarDB kinds and the PostgreSQL owner-role kind, at
 * a small count (npm run campaign runs more): rotations and the local cloud
 * killed with SIGKILL at random points on a real MariaDB and PostgreSQL
 * behind the cloud's PolarDB clusters, and on a PostgreSQL whose dual
 * accounts share an owner role; the next invocation finishes and every
 * invariant holds, the owner role's included.
 */
import { describe, expect, it } from "vitest";
import {
  campaignCloud,
  campaignPolicy,
  campaignRotators,
} from "../../scripts/campaign/campaign-rotators.ts";
import { prepareTarget } from "../../scripts/campaign/campaign-targets.ts";
import { runCampaign } from "../../scripts/campaign/run-campaign.ts";
import { createJsonLogger } from "../../src/core/engine/json-logger.ts";
import { RotationEngine } from "../../src/core/engine/rotation-engine.ts";
import { useLocalCloud } from "../support/local-cloud.ts";
import { skipUnlessMariaDb } from "../support/mariadb.ts";
import { skipUnlessPostgres } from "../support/postgres.ts";

const skip = skipUnlessMariaDb() || (await skipUnlessPostgres());

describe.skipIf(skip)("crash campaign on PolarDB clusters and owner roles", () => {
  it("kills PolarDB and owner-role rotations and the cloud at random points and finds no violation", async () => {
    // Prepare
    const seed = Math.floor(Math.random() * 1_000_000);
    const runs = { "mysql-polardb": 3, "postgres-polardb": 3, "postgres-owner-role": 3 } as const;
    // Act
    const summary = await runCampaign({ runs, seed, cloudKillRate: 0.3, timedKillRate: 0.2 });
    // Assess
    const violations = summary.reports.flatMap((report) =>
      report.violations.map(
        (violation) => `${report.kind} run ${violation.run}: ${violation.problem}`,
      ),
    );
    expect(violations, `seed ${seed}`).toEqual([]);
    expect(Object.fromEntries(summary.reports.map((report) => [report.kind, report.runs]))).toEqual(
      runs,
    );
    expect(summary.reports.some((report) => report.rotationKills > 0)).toBe(true);
  }, 300_000);
});

describe.skipIf(await skipUnlessPostgres())("crash campaign checks on an owner role", () => {
  const cloud = useLocalCloud({ inMemory: true });

  it("flag an account that does not act as the owner role, and pass both once a rotation set them up", async () => {
    // Prepare: the owner role does not exist until the first rotation creates it
    const address = { endpoint: cloud().endpoint, credentials: cloud().credentials };
    const target = await prepareTarget("postgres-owner-role", address);
    try {
      const read = (versionStage: string) =>
        cloud()
          .kms.getSecretValue({ secretName: target.secretName, versionStage })
          .then((version) => version.secretData);
      const initial = await read("ACSCurrent");
      const { AccountName } = JSON.parse(initial) as { AccountName: string };
      // Act
      const before = await target.orphans(initial, undefined);
      await new RotationEngine({
        kms: address,
        rotators: campaignRotators(),
        cloud: campaignCloud(address),
        policy: campaignPolicy(),
        log: createJsonLogger(() => {}),
      }).rotate({ secretName: target.secretName });
      const after = await target.orphans(await read("ACSCurrent"), await read("ACSPrevious"));
      // Assess
      expect(before).toEqual([
        expect.stringMatching(
          new RegExp(`^account ${AccountName} does not act as the owner role `),
        ),
      ]);
      expect(after).toEqual([]);
    } finally {
      await target.close();
    }
  }, 120_000);
});
