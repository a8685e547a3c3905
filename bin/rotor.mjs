#!/usr/bin/env node
// The `rotor` command. In the repository it runs the TypeScript sources with
// no build step: tsx compiles them as they load, and the `source` export
// condition points each Rotor package at its .ts files.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
// Registered last, so it runs first and tsx resolves with the condition added.
register("./source-condition.mjs", import.meta.url);
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
