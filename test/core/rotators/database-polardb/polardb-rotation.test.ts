/**
 * MySQL and PostgreSQL rotations through the PolarDB OpenAPI: the secret
 * names a DBClusterId, the local cloud's PolarDB product manages the
 * accounts on a real MariaDB (PolarDB for MySQL) or PostgreSQL (PolarDB for
 * PostgreSQL), and every password is proven by logging in to it. On
 * PolarDB for MySQL the first rotation creates the alternate through the
 * API; on PolarDB for PostgreSQL, whose API gives accounts no privileges,
 * two pre-created accounts take turns. Then what must be refused before
 * anything is sent: a cluster the deployment does not list, a host that is
 * not the cluster's, a suffix pair on PostgreSQL; and a role RAM refuses.
 */
import { describe, expect, it } from "vitest";
import { PolicyError, ValidationError } from "../../../../src/cloud-api/errors.ts";
import type { ExternalCall } from "../../../../src/core/contract/rotator-contract.ts";
import { TargetMismatchError } from "../../../../src/core/contract/trust-boundary-errors.ts";
import { describedAccount } from "../../../local-cloud/polardb/local-polardb-world.ts";
import { crashBefore, LATER } from "../../../support/crash-before.ts";
import { ANY_VALUE, deployPolicyWith } from "../../../support/deploy-policies.ts";
import { accessKeyAllowedOnly } from "../../../support/ram-user-key.ts";
import {
  createPolarDbApplication,
  POLARDB_MYSQL,
  POLARDB_POSTGRES,
  type PolarDbRotationEngine,
  polarDbRotationSetup,
} from "./polardb-rotation-fixtures.ts";

const TIMEOUT = 120_000;

for (const engine of [POLARDB_MYSQL, POLARDB_POSTGRES] as PolarDbRotationEngine[]) {
  describe.skipIf(await engine.skip())(
    `${engine.kind} rotation over PolarDB for ${engine.edition} on a real ${engine.serverName}`,
    () => {
      const world = engine.useWorld();
      const setup = () => polarDbRotationSetup(world(), engine);
      const newApplication = (mode: "dual" | "single") =>
        createPolarDbApplication(world(), engine, mode);

      it(
        "dual-account: takes turns; each account logs in and writes, the previous one keeps its password",
        async () => {
          // Prepare
          const rotations = setup();
          const application = await newApplication("dual");
          const { value: original } = application;
          const secretName = await rotations.createSecret(application);
          const rotation = rotations.engine();
          // Act
          await rotation.rotate({ secretName });
          const first = await rotations.read(secretName);
          await rotation.rotate({ secretName });
          const second = await rotations.read(secretName);
          // Assess
          const { canLogin, runAs, logLines } = world();
          const alternate =
            engine.dualMode === "suffix"
              ? `${original.AccountName}_rt`
              : (original.accounts?.[1] as string);
          expect(first.AccountName).toBe(alternate);
          expect(second.AccountName).toBe(original.AccountName);
          for (const value of [first, second]) {
            expect(
              await canLogin(value.AccountName, value.AccountPassword, original.database),
            ).toBe(true);
            await runAs(
              value.AccountName,
              value.AccountPassword,
              original.database,
              "INSERT INTO items VALUES (1)",
            );
            expect(value.AccountPassword).toHaveLength(32);
            expect(rotations.logLines.join("\n")).not.toContain(value.AccountPassword);
            expect(logLines.join("\n")).not.toContain(value.AccountPassword);
          }
          expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(false);
          if (engine.dualMode === "suffix") {
            expect((await describedAccount(world(), alternate))?.databasePrivileges).toEqual([
              { dbName: original.database, accountPrivilege: "ReadWrite" },
            ]);
          }
        },
        TIMEOUT,
      );

      it(
        "single-user: ModifyAccountPassword on the one account; the old password stops working",
        async () => {
          // Prepare
          const rotations = setup();
          const application = await newApplication("single");
          const secretName = await rotations.createSecret(application);
          const calls: string[] = [];
          // Act
          await rotations
            .engine({ beforeExternalCall: (call) => calls.push(call.name) })
            .rotate({ secretName });
          const rotated = await rotations.read(secretName);
          // Assess
          const { canLogin } = world();
          const { value: original } = application;
          expect(rotated.AccountName).toBe(original.AccountName);
          expect(await canLogin(rotated.AccountName, rotated.AccountPassword)).toBe(true);
          expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(false);
          expect(calls).toContain("polardb.ModifyAccountPassword");
          expect(calls).toContain("polardb.DescribeDBClusterEndpoints");
        },
        TIMEOUT,
      );

      it(
        "emergency, dual-account: the leaked account's password changes too, so neither leaked password works",
        async () => {
          // Prepare
          const rotations = setup();
          const application = await newApplication("dual");
          const secretName = await rotations.createSecret(application);
          const rotation = rotations.engine();
          await rotation.rotate({ secretName });
          const leakedCurrent = await rotations.read(secretName);
          const leakedPrevious = await rotations.read(secretName, "ACSPrevious");
          // Act
          const result = await rotation.rotate({ secretName, emergency: true });
          // Assess
          const { canLogin } = world();
          const current = await rotations.read(secretName);
          expect(result.outcome).toBe("rotated");
          expect(await canLogin(current.AccountName, current.AccountPassword)).toBe(true);
          for (const leaked of [leakedCurrent, leakedPrevious]) {
            expect(await canLogin(leaked.AccountName, leaked.AccountPassword)).toBe(false);
          }
          expect(await rotations.stageCounts(secretName)).toEqual([1, 1, 0]);
        },
        TIMEOUT,
      );

      it(
        "an unknown DBClusterId stops the rotation with PolarDB's error; the secret and the account are unchanged",
        async () => {
          // Prepare
          const rotations = setup();
          const application = await newApplication("single");
          const { value: original } = application;
          const secretName = await rotations.createSecret({
            value: { ...original, DBClusterId: "pc-unknown01" },
          });
          // Act
          const attempt = rotations.engine().rotate({ secretName });
          // Assess
          await expect(attempt).rejects.toThrow(/InvalidDBCluster\.NotFound/);
          expect((await rotations.read(secretName)).AccountPassword).toBe(original.AccountPassword);
          expect(await world().canLogin(original.AccountName, original.AccountPassword)).toBe(true);
        },
        TIMEOUT,
      );

      it(
        "a cluster the deployment does not list is refused before any PolarDB call or login, even where RDS instances are all allowed",
        async () => {
          // Prepare
          const rotations = setup();
          const application = await newApplication("dual");
          const secretName = await rotations.createSecret(application);
          const calls: ExternalCall[] = [];
          const policy = deployPolicyWith({
            rdsInstances: ANY_VALUE,
            polardbClusters: { any: false, values: ["pc-another01"] },
          });
          // Act
          const attempt = rotations
            .engine({ policy, beforeExternalCall: (call) => calls.push(call) })
            .rotate({ secretName });
          // Assess
          await expect(attempt).rejects.toBeInstanceOf(PolicyError);
          await expect(attempt).rejects.toThrow(/ROTOR_POLARDB_CLUSTERS: pc-another01/);
          expect(calls.filter((call) => call.kind !== "kms")).toEqual([]);
          expect((await rotations.read(secretName)).AccountPassword).toBe(
            application.value.AccountPassword,
          );
        },
        TIMEOUT,
      );

      it(
        "a host that is not one of the cluster's addresses is refused before any login; nothing changes",
        async () => {
          // Prepare
          const rotations = setup();
          const application = await newApplication("dual");
          const { value: original } = application;
          const secretName = await rotations.createSecret({
            ...application,
            value: { ...original, host: "localhost" },
          });
          const calls: ExternalCall[] = [];
          // Act
          const attempt = rotations
            .engine({ beforeExternalCall: (call) => calls.push(call) })
            .rotate({ secretName });
          // Assess
          await expect(attempt).rejects.toBeInstanceOf(TargetMismatchError);
          await expect(attempt).rejects.toThrow(/not an address of PolarDB cluster/);
          const sent = calls.filter((call) => call.kind !== "kms").map((call) => call.name);
          expect(sent.every((name) => name === "polardb.DescribeDBClusterEndpoints")).toBe(true);
          expect(await world().canLogin(original.AccountName, original.AccountPassword)).toBe(true);
          expect((await rotations.read(secretName)).AccountPassword).toBe(original.AccountPassword);
        },
        TIMEOUT,
      );

      it(
        "a function role RAM refuses polardb:ModifyAccountPassword cannot rotate; the account keeps its password",
        async () => {
          // Prepare
          const { cloud, clusterId, polardb, canLogin } = world();
          const rotations = setup();
          const application = await newApplication("single");
          const secretName = await rotations.createSecret(application);
          const key = await accessKeyAllowedOnly(cloud, "fn", {
            Action: ["polardb:DescribeDBClusterEndpoints", "polardb:DescribeAccounts"],
            Resource: `acs:polardb:${cloud.region}:${cloud.accountId}:dbcluster/${clusterId}`,
          });
          const asFunction = () => polardb({ credentials: key, retry: { attempts: 1 } });
          // Act
          const attempt = rotations.engine({ polardb: asFunction }).rotate({ secretName });
          // Assess
          await expect(attempt).rejects.toThrow(/Forbidden\.NoPermission/);
          const { value: original } = application;
          expect(await canLogin(original.AccountName, original.AccountPassword)).toBe(true);
          expect((await rotations.read(secretName)).AccountPassword).toBe(original.AccountPassword);
        },
        TIMEOUT,
      );

      it("dual-account, first rotation: a crash before any external call (KMS, PolarDB or login) is resumed by a later invocation to a working pair", async () => {
        // Prepare: how many external calls one clean first rotation makes.
        const rotations = setup();
        const probe = crashBefore(Number.POSITIVE_INFINITY);
        await rotations.engine({ beforeExternalCall: probe.hook }).rotate({
          secretName: await rotations.createSecret(await newApplication("dual")),
        });
        const names = probe.calls.map((call) => call.name);
        expect(names).toContain(
          engine.dualMode === "suffix" ? "polardb.CreateAccount" : "polardb.ModifyAccountPassword",
        );

        for (let crashAt = 1; crashAt <= names.length; crashAt++) {
          const application = await newApplication("dual");
          const secretName = await rotations.createSecret(application);
          const crash = crashBefore(crashAt);

          // Act
          const crashed = rotations
            .engine({ beforeExternalCall: crash.hook })
            .rotate({ secretName });
          await expect(crashed).rejects.toBeInstanceOf(Error);
          const resumed = await rotations.engine({ clockOffsetMs: LATER }).rotate({ secretName });

          // Assess
          const where = `crash before call ${crashAt} (${names[crashAt - 1]})`;
          const { canLogin, runAs } = world();
          expect(["rotated", "already-current"], where).toContain(resumed.outcome);
          expect(await rotations.stageCounts(secretName), where).toEqual([1, 1, 0]);
          const current = await rotations.read(secretName);
          const previous = await rotations.read(secretName, "ACSPrevious");
          expect(current.AccountName, where).not.toBe(application.value.AccountName);
          expect(await canLogin(current.AccountName, current.AccountPassword), where).toBe(true);
          expect(await canLogin(previous.AccountName, previous.AccountPassword), where).toBe(true);
          await runAs(
            current.AccountName,
            current.AccountPassword,
            application.value.database,
            "INSERT INTO items VALUES (1)",
          );
        }
      }, 600_000);
    },
  );
}

describe.skipIf(await POLARDB_POSTGRES.skip())(
  "postgres over PolarDB for PostgreSQL: what its API cannot do is refused before anything is written",
  () => {
    const world = POLARDB_POSTGRES.useWorld();

    it("refuses a dual-account secret without two pre-created accounts, naming accounts; no version is written", async () => {
      // Prepare
      const rotations = polarDbRotationSetup(world(), POLARDB_POSTGRES);
      const { value } = await createPolarDbApplication(world(), POLARDB_POSTGRES, "single");
      const secretName = await rotations.createSecret({ value: { ...value, mode: "dual" } });
      // Act
      const attempt = rotations.engine().rotate({ secretName });
      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toThrow(/accounts.*pre-created accounts/);
      expect(await rotations.stageCounts(secretName)).toEqual([1, 0, 0]);
      expect(await world().canLogin(value.AccountName, value.AccountPassword)).toBe(true);
    });
  },
);
