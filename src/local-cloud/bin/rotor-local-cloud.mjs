#!/usr/bin/env node
// The `rotor-local-cloud` command. Installed, it runs the package's build
// (dist/) on plain Node. In the repository, where the TypeScript sources
// sit beside this folder, tsx (an optional peer dependency, which the
// repository installs) runs them with no build step.
import { existsSync } from "node:fs";

const sources = new URL("../command.ts", import.meta.url);
let entry = new URL("../dist/command.js", import.meta.url);
if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  entry = sources;
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
