/**
 * The PolarDB kinds of a crash campaign: the `mysql` and `postgres`
 * rotators on a PolarDB cluster of the local cloud (campaign-polardb.ts),
 * dual-account, their accounts changed through the PolarDB API. On PolarDB
 * for MySQL the rotator makes the alternate through the API; on PolarDB for
 * PostgreSQL two pre-created accounts sharing a group role take turns, the
 * second stored first so ACSPrevious holds its password. A value works when
 * it logs in to the server behind the cluster.
 */
import { randomBytes } from "node:crypto";
import type { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { PolarDbClient } from "../../src/cloud-api/polardb-client.ts";
import type { CampaignPolarDb, PolarDbCampaignKind } from "./campaign-polardb.ts";
import type { CloudAddress } from "./campaign-rotators.ts";

export interface PolarDbCampaignTarget {
  secretName: string;
  verify(data: string): Promise<void>;
}

const part = () => randomBytes(4).toString("hex");
const password = () => `Pc-${randomBytes(10).toString("hex")}A`;

export async function preparePolarDbTarget(
  kind: PolarDbCampaignKind,
  kms: KmsClient,
  cloud: CloudAddress,
  polardb: CampaignPolarDb,
): Promise<PolarDbCampaignTarget> {
  const { clusterId, backing } = polardb.cluster(kind);
  const api = new PolarDbClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const database = await backing.createDatabase();
  const mysql = kind === "mysql-polardb";
  const accounts = (mysql ? ["a"] : ["a", "b"]).map((tail) => ({
    AccountName: `app_${part()}${tail}`,
    AccountPassword: password(),
  }));
  for (const account of accounts) {
    await api.createAccount({
      dbClusterId: clusterId,
      accountName: account.AccountName,
      accountPassword: account.AccountPassword,
      ...(mysql ? { grants: [{ dbName: database, privilege: "ReadWrite" as const }] } : {}),
    });
  }
  if (!mysql) {
    const group = `grp_${part()}`;
    await backing.runAsAdmin(database, `CREATE ROLE ${group} NOLOGIN`);
    await backing.runAsAdmin(database, `GRANT ALL ON TABLE items TO ${group}`);
    await backing.runAsAdmin(
      database,
      `GRANT ${group} TO ${accounts.map((account) => account.AccountName).join(", ")}`,
    );
  }
  const [first, second] = accounts as [(typeof accounts)[0], (typeof accounts)[0] | undefined];
  const value = {
    ...first,
    engine: mysql ? "mysql" : "postgres",
    host: backing.instance.host,
    port: backing.instance.port,
    database,
    DBClusterId: clusterId,
    mode: "dual",
    ...(second ? { accounts: [first.AccountName, second.AccountName] } : {}),
  };
  const secretName = `campaign/${kind}/${part()}`;
  const versions = second ? [{ ...value, ...second }, value] : [value];
  for (const [index, version] of versions.entries()) {
    const write = {
      secretName,
      versionId: `v${index}-${part()}`,
      secretData: JSON.stringify(version),
    };
    if (index === 0) {
      await kms.createSecret({ ...write, tags: [{ key: "rotor:rotator", value: value.engine }] });
    } else {
      await kms.putSecretValue(write);
    }
  }
  return {
    secretName,
    async verify(data) {
      const stored = JSON.parse(data) as { AccountName: string; AccountPassword: string };
      if (!(await backing.canLogin(stored.AccountName, stored.AccountPassword, database))) {
        throw new Error(`account ${stored.AccountName} does not log in with the stored password`);
      }
    },
  };
}
