#!/usr/bin/env node
// The `rotor` command. Installed, it runs the package's build (dist/) on
// plain Node. In the repository, where the TypeScript sources sit beside
// this folder, it runs them with no build step: tsx (an optional peer
// dependency, which the repository installs) compiles them as they load,
// and the `source` export condition points each Rotor package at its .ts
// files.
import { existsSync } from "node:fs";
import { register } from "node:module";

const sources = new URL("../main.ts", import.meta.url);
let entry = new URL("../dist/main.js", import.meta.url);
if (existsSync(sources)) {
  const { register: registerTsx } = await import("tsx/esm/api");
  registerTsx();
  // Registered last, so it runs first and tsx resolves with the condition added.
  register("./source-condition.mjs", import.meta.url);
  entry = sources;
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
