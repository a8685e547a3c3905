/** Every `rotor` sub-command, in the order `rotor --help` lists them. */
import type { Command } from "../command.ts";
import { demoCommand } from "./demo.ts";
import { localCloudCommand } from "./local-cloud.ts";

export const COMMANDS: readonly Command[] = [demoCommand, localCloudCommand];
