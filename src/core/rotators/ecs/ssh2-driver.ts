/**
 * ssh2, loaded the first time a key is generated or read or a login is
 * opened, rather than when the function's module loads (as pg-driver.ts does
 * for pg): a cold start builds the ECS handlers without paying for ssh2 and
 * its crypto set-up, and an event refused at the edge never loads it.
 */
import type ssh2 from "ssh2";

type Ssh2Module = typeof ssh2;

let loading: Promise<Ssh2Module> | undefined;

export function loadSsh2(): Promise<Ssh2Module> {
  // ssh2 is CommonJS: its exports object is the namespace's default.
  loading ??= import("ssh2").then((module) => module.default);
  return loading;
}
