/**
 * mysql2, loaded the first time a login needs it rather than when the
 * function's module loads (as pg-driver.ts does for pg): a cold start builds
 * the handler without paying for the driver, and work that never opens a
 * MySQL connection (an event refused at the edge) never loads it. Code that
 * runs only on a logged-in session, such as quoting names for GRANT
 * statements, takes the driver that login loaded.
 */
import type mysql2 from "mysql2";

type Mysql2Module = typeof mysql2;

let loading: Promise<Mysql2Module> | undefined;
let loaded: Mysql2Module | undefined;

export function loadMysqlDriver(): Promise<Mysql2Module> {
  // mysql2 is CommonJS: its exports object is the namespace's default.
  loading ??= import("mysql2").then((module) => {
    const driver = module.default;
    loaded = driver;
    return driver;
  });
  return loading;
}

/** The driver a login loaded; only code that runs after a login may ask for it. */
export function loadedMysqlDriver(): Mysql2Module {
  if (loaded === undefined) {
    throw new Error("mysql2 was asked for before any MySQL login loaded it");
  }
  return loaded;
}
