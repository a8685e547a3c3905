/**
 * The database servers the RDS and PolarDB policy proofs put behind a local
 * DBInstanceId or DBClusterId: a real MariaDB for rotate-mysql, a real
 * PostgreSQL for rotate-postgres. Each says how RDS names the privilege an
 * application account gets on its database, and how to make a database,
 * run a statement as the administrator and try a login there (the same
 * server-side access the RDS product tests use, rds-backing-servers.ts).
 */
import type { RdsAccountPrivilege } from "../../../src/cloud-api/rds-client.ts";
import {
  mariaDbBacking,
  postgresBacking,
  type RdsBackingServer,
} from "../../local-cloud/rds/rds-backing-servers.ts";
import { startMariaDb } from "../../support/mariadb.ts";
import { startPostgres } from "../../support/postgres.ts";

export type RdsPolicyEngine = "mysql" | "postgres";

export interface RdsPolicyBackend
  extends Pick<RdsBackingServer, "instance" | "createDatabase" | "canLogin" | "runAsAdmin"> {
  engine: RdsPolicyEngine;
  /** The named privilege an application account holds on its database (RDS's names per engine). */
  privilege: RdsAccountPrivilege;
  stop(): Promise<void>;
}

export async function startRdsPolicyBackend(engine: RdsPolicyEngine): Promise<RdsPolicyBackend> {
  if (engine === "mysql") {
    const server = await startMariaDb();
    return { engine, privilege: "ReadWrite", ...mariaDbBacking(server), stop: () => server.stop() };
  }
  const server = await startPostgres();
  return { engine, privilege: "DBOwner", ...postgresBacking(server), stop: () => server.stop() };
}
