/**
 * The deployable FC functions (functions/rotate-mysql, functions/rotate-postgres)
 * invoked the way FC invokes them, against the local cloud (through
 * ROTOR_ENDPOINT, as deployed code would be pointed) and real servers.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler as rotateMysql } from "../../../../functions/rotate-mysql/index.ts";
import { handler as rotatePostgres } from "../../../../functions/rotate-postgres/index.ts";
import type { FcContext } from "../../../../src/core/functions/fc-context.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../../../support/mariadb.ts";
import {
  type RunningPostgres,
  skipUnlessPostgres,
  startPostgres,
} from "../../../support/postgres.ts";
import {
  canLogin,
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  uniqueSuffix,
} from "./database-fixtures.ts";
import {
  type DatabaseRotationSetup,
  startDatabaseRotationSetup,
} from "./database-rotation-setup.ts";

const functions = [
  { engine: "mysql" as const, handler: rotateMysql, skip: skipUnlessMariaDb() },
  { engine: "postgres" as const, handler: rotatePostgres, skip: await skipUnlessPostgres() },
];

for (const { engine, handler, skip } of functions) {
  describe.skipIf(skip)(`functions/rotate-${engine}`, () => {
    let server: RunningMariaDb | RunningPostgres;
    let setup: DatabaseRotationSetup;
    const target = () => ({ engine, server }) as TestServer;
    const context = (): FcContext => ({
      requestId: randomUUID(),
      credentials: { ...setup.cloud.credentials, securityToken: undefined },
      function: { name: `rotate-${engine}`, handler: "index.handler", memory: 256, timeout: 120 },
      region: setup.cloud.region,
    });

    beforeAll(async () => {
      [server, setup] = await Promise.all([
        engine === "mysql" ? startMariaDb() : startPostgres(),
        startDatabaseRotationSetup(),
      ]);
      process.env.ROTOR_ENDPOINT = setup.cloud.endpoint;
    });
    afterAll(async () => {
      delete process.env.ROTOR_ENDPOINT;
      await setup?.close();
      await server?.stop();
    });

    it("rotates a dual-account secret from a timer trigger event delivered as a Buffer", async () => {
      // Prepare
      const master = await createMasterSecret(setup.kms, target(), `master-${uniqueSuffix()}`);
      const initial = await createApplicationAccount(target(), { masterSecret: master });
      const secretName = await setup.createSecret(`fn-${engine}`, initial);
      const event = Buffer.from(
        JSON.stringify({
          triggerTime: new Date().toISOString(),
          triggerName: "daily",
          payload: JSON.stringify({ SecretName: secretName }),
        }),
      );

      // Act
      const response = await handler(event, context());

      // Assess
      expect(response.Outcome).toBe("rotated");
      const current = await setup.read(secretName);
      expect(current.AccountName).toBe(`${initial.AccountName}_rt`);
      expect(await canLogin(target(), current.AccountName, current.AccountPassword)).toBe(true);
      expect(await canLogin(target(), initial.AccountName, initial.AccountPassword)).toBe(true);
    });

    it("refuses a secret whose value names the other engine, naming the field", async () => {
      // Prepare
      const initial = await createApplicationAccount(target());
      const other = engine === "mysql" ? "postgres" : "mysql";
      const secretName = await setup.createSecret(`fn-${engine}-wrong`, {
        ...initial,
        engine: other,
      });
      await setup.kms.tagResource({ secretName, tags: [{ key: "rotor:rotator", value: engine }] });

      // Act
      const attempt = handler(Buffer.from(JSON.stringify({ SecretName: secretName })), context());

      // Assess
      await expect(attempt).rejects.toThrow(/engine/);
      expect((await setup.read(secretName)).AccountPassword).toBe(initial.AccountPassword);
    });
  });
}
