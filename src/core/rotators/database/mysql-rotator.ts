/** The MySQL/MariaDB rotator: the shared database strategy over mysql2. */
import { createDatabaseRotator } from "./database-rotator.ts";
import { mysqlAccounts } from "./mysql-accounts.ts";

export const mysqlRotator = createDatabaseRotator(mysqlAccounts);
