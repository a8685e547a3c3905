/** Every `rotor` sub-command, in the order `rotor --help` lists them. */
import type { Command } from "../command.ts";
import { auditCommand } from "./audit.ts";
import { cancelCommand } from "./cancel.ts";
import { demoCommand } from "./demo.ts";
import { eventsCommand } from "./events.ts";
import { historyCommand } from "./history.ts";
import { invokeCommand } from "./invoke.ts";
import { localCloudCommand } from "./local-cloud.ts";
import { planCommand } from "./plan.ts";
import { policyCommand } from "./policy.ts";
import { rotateCommand } from "./rotate.ts";
import { statusCommand } from "./status.ts";

export const COMMANDS: readonly Command[] = [
  demoCommand,
  localCloudCommand,
  rotateCommand,
  statusCommand,
  planCommand,
  auditCommand,
  historyCommand,
  eventsCommand,
  cancelCommand,
  invokeCommand,
  policyCommand,
];
