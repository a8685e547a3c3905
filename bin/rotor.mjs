#!/usr/bin/env node
// The `rotor` command. The sources are TypeScript; tsx loads them directly so
// `npx rotor …` works straight after `npm ci`, with no build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
