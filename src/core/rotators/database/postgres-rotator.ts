/** The PostgreSQL rotator: the shared database strategy over pg. */
import { createDatabaseRotator } from "./database-rotator.ts";
import { postgresAccounts } from "./postgres-accounts.ts";

export const postgresRotator = createDatabaseRotator(postgresAccounts);
