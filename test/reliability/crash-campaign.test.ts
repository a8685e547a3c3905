/**
 * The crash campaign's harness and invariants, at a small count per
 * rotator (npm run campaign runs hundreds): rotations and the local cloud
 * killed with SIGKILL at random points, the next invocation finishes, and
 * every invariant holds. The checks themselves are shown to catch a broken
 * secret, a key left in authorized_keys and a login the server refuses.
 */
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CampaignSshd, startCampaignSshd } from "../../scripts/campaign/campaign-sshd.ts";
import { prepareEcsTarget } from "../../scripts/campaign/ecs-campaign-targets.ts";
import { runCampaign } from "../../scripts/campaign/run-campaign.ts";
import {
  checkInterrupted,
  checkRotated,
  listVersions,
} from "../../scripts/campaign/secret-invariants.ts";
import { generateSshKeyPair } from "../../src/core/rotators/ecs/ecs-key-pair.ts";
import { uniqueName, useLocalCloud } from "../support/local-cloud.ts";
import { skipUnlessMariaDb } from "../support/mariadb.ts";
import { skipUnlessRedis } from "../support/redis.ts";
import { sshdSkipReason } from "../support/sshd.ts";

const RUNS_PER_ROTATOR = 5;

describe("crash campaign", () => {
  it("kills generic and RAM AccessKey rotations and the cloud at random points and finds no violation", async () => {
    // Prepare
    const seed = Math.floor(Math.random() * 1_000_000);
    // Act
    const summary = await runCampaign({
      runs: { generic: RUNS_PER_ROTATOR, "ram-access-key": RUNS_PER_ROTATOR },
      seed,
      cloudKillRate: 0.3,
      timedKillRate: 0.2,
    });
    // Assess
    const violations = summary.reports.flatMap((report) =>
      report.violations.map(
        (violation) => `${report.kind} run ${violation.run}: ${violation.problem}`,
      ),
    );
    expect(violations, `seed ${seed}`).toEqual([]);
    expect(summary.reports.map((report) => report.runs)).toEqual([
      RUNS_PER_ROTATOR,
      RUNS_PER_ROTATOR,
    ]);
    const kills = summary.reports.reduce(
      (total, report) => total + report.rotationKills + report.cloudKills,
      0,
    );
    expect(kills).toBeGreaterThan(0);
  }, 240_000);

  it.skipIf(skipUnlessMariaDb())(
    "kills MySQL dual-account rotations on a real MariaDB and finds no violation",
    async () => {
      // Prepare
      const seed = Math.floor(Math.random() * 1_000_000);
      // Act
      const summary = await runCampaign({
        runs: { mysql: 4 },
        seed,
        cloudKillRate: 0.25,
        timedKillRate: 0.2,
      });
      // Assess
      const report = summary.reports[0];
      expect(report?.violations, `seed ${seed}`).toEqual([]);
      expect(report?.runs).toBe(4);
    },
    240_000,
  );

  it.skipIf(sshdSkipReason())(
    "kills ECS password and SSH key rotations, over SSH and through Cloud Assistant, on a real sshd and finds no violation",
    async () => {
      // Prepare
      const seed = Math.floor(Math.random() * 1_000_000);
      // A refused password login costs PAM's failure delay: fewer password runs keep this short.
      const runs = {
        "ecs-password": 1,
        "ecs-ssh-key": 2,
        "ecs-password-cloud-assistant": 1,
        "ecs-ssh-key-cloud-assistant": 2,
      } as const;
      // Act
      const summary = await runCampaign({ runs, seed, cloudKillRate: 0.25, timedKillRate: 0.2 });
      // Assess
      const violations = summary.reports.flatMap((report) =>
        report.violations.map(
          (violation) => `${report.kind} run ${violation.run}: ${violation.problem}`,
        ),
      );
      expect(violations, `seed ${seed}`).toEqual([]);
      expect(summary.skipped).toEqual([]);
      expect(
        Object.fromEntries(summary.reports.map((report) => [report.kind, report.runs])),
      ).toEqual(runs);
    },
    600_000,
  );
});

describe.skipIf(skipUnlessRedis())("crash campaign on Redis", () => {
  it("kills Redis rotations (dual-account, single-user, ApsaraDB) on a real redis-server; ACSCurrent works right after every kill; no violation", async () => {
    // Prepare
    const seed = Math.floor(Math.random() * 1_000_000);
    const runs = { redis: 4, "redis-single": 4, "redis-tair": 4 } as const;
    // Act
    const summary = await runCampaign({ runs, seed, cloudKillRate: 0.25, timedKillRate: 0.2 });
    // Assess
    const violations = summary.reports.flatMap((report) =>
      report.violations.map(
        (violation) => `${report.kind} run ${violation.run}: ${violation.problem}`,
      ),
    );
    expect(violations, `seed ${seed}`).toEqual([]);
    expect(summary.skipped).toEqual([]);
    expect(Object.fromEntries(summary.reports.map((report) => [report.kind, report.runs]))).toEqual(
      runs,
    );
  }, 300_000);
});

describe("crash campaign invariants", () => {
  const cloud = useLocalCloud({ inMemory: true });

  it("flag a rotation that pushed the expected ACSPrevious out", async () => {
    // Prepare: two switches where one was expected, so v1 is no longer ACSPrevious
    const secretName = uniqueName("invariants");
    const kms = cloud().kms;
    await kms.createSecret({ secretName, secretData: "first-value-0001", versionId: "v1" });
    await kms.putSecretValue({ secretName, secretData: "second-value-01", versionId: "v2" });
    await kms.putSecretValue({ secretName, secretData: "third-value-001", versionId: "v3" });
    // Act
    const problems = checkRotated(await listVersions(kms, secretName), "v0", ["v1"]);
    // Assess
    expect(problems).toEqual(["ACSPrevious is v2, expected v1"]);
  });

  it("flag two pending versions, a pending label left and a missing ACSCurrent", () => {
    // Prepare: listings KMS itself would never give, as a broken store might
    const listing = [
      { versionId: "a", createTime: "", versionStages: ["ACSPending"] },
      { versionId: "b", createTime: "", versionStages: ["ACSPending", "ACSPrevious"] },
    ];
    // Act
    const interrupted = checkInterrupted(listing);
    const rotated = checkRotated(listing, "a", ["b"]);
    // Assess
    expect(interrupted).toEqual(["2 versions are ACSPending", "0 versions are ACSCurrent"]);
    expect(rotated).toContain("ACSPending left after the rotation");
  });

  it("pass a cleanly rotated secret", async () => {
    // Prepare
    const secretName = uniqueName("invariants");
    const kms = cloud().kms;
    await kms.createSecret({ secretName, secretData: "first-value-0001", versionId: "v1" });
    // Act: a rotation done by hand, stage by stage
    await kms.putSecretValue({ secretName, secretData: "second-value-01", versionId: "v2" });
    // Assess
    expect(checkRotated(await listVersions(kms, secretName), "v1", ["v1"])).toEqual([]);
  });
});

describe.skipIf(sshdSkipReason())("crash campaign checks on an ECS account", () => {
  const cloud = useLocalCloud({ inMemory: true });
  let host: CampaignSshd | undefined;
  beforeAll(async () => {
    host = await startCampaignSshd();
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
  });

  it("flag a key that neither ACSCurrent nor ACSPrevious names, and a key the server refuses", async () => {
    // Prepare
    const target = await prepareEcsTarget("ecs-ssh-key", cloud().kms, host as CampaignSshd);
    const current = (await cloud().kms.getSecretValue({ secretName: target.secretName }))
      .secretData;
    const stray = await generateSshKeyPair("ed25519", "rotor:left-behind:v9");
    const strayValue = JSON.stringify({
      ...JSON.parse(current),
      PublicKey: stray.publicKey,
      PrivateKey: stray.privateKey,
    });
    const cleanBefore = await target.orphans(current, undefined);
    // Act
    await appendFile(join(target.user.home, ".ssh", "authorized_keys"), `${stray.publicKey}\n`);
    const orphans = await target.orphans(current, undefined);
    // Assess
    expect(cleanBefore).toEqual([]);
    expect(orphans).toEqual([
      `authorized_keys of ${target.user.name} holds a key no version names (rotor:left-behind:v9)`,
    ]);
    expect(await target.orphans(current, strayValue)).toEqual([]);
    await expect(target.verify(current)).resolves.toBeUndefined();
    await expect(
      target.verify(
        JSON.stringify({
          ...JSON.parse(current),
          PrivateKey: (await generateSshKeyPair("ed25519", "unknown")).privateKey,
        }),
      ),
    ).rejects.toThrow("sshd refuses the login");
  }, 60_000);

  it("tell a password that logs in from one that no longer does", async () => {
    // Prepare
    const target = await prepareEcsTarget("ecs-password", cloud().kms, host as CampaignSshd);
    const current = (await cloud().kms.getSecretValue({ secretName: target.secretName }))
      .secretData;
    const replaced = JSON.stringify({ ...JSON.parse(current), Password: "Replaced-0123456789" });
    // Act
    const works = await target.verify(current).then(
      () => "accepted",
      (error: Error) => error.message,
    );
    const refused = await target.verify(replaced).then(
      () => "accepted",
      (error: Error) => error.message,
    );
    // Assess
    expect(target.previousCredential).toBe("stops-working");
    expect(works).toBe("accepted");
    expect(refused).toBe(`sshd refuses the login of ${target.user.name}`);
  }, 60_000);
});
