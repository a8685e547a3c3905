/**
 * A remote shell on an ECS instance through Cloud Assistant, for servers
 * that take no inbound SSH. It has the SshSession shape, so the password
 * change and the authorized_keys editing the SSH transport uses run here
 * unchanged.
 *
 * Commands run as root (Cloud Assistant's default user). Cloud Assistant
 * has no stdin, and a secret must never sit in a command's text: the API
 * keeps command content (DescribeInvocations returns it), the agent writes
 * it to a script file on the instance, and a shell string is one quoting
 * mistake away from running part of a password. So a command's input goes
 * as a file: SendFile writes it to /run (a root-only tmpfs folder on
 * Linux, never on disk) with mode 0600 and owner root, under a random
 * name; the command then reads it as stdin (`( command ) < file`) and
 * deletes it whatever happens. SendFile's content is not returned by any
 * Describe action. Custom parameters (`EnableParameter`) were not chosen:
 * Cloud Assistant substitutes their values into the script text, which is
 * exactly a secret inside a shell string.
 *
 * Left behind only if the function dies between SendFile and RunCommand: a
 * 0600 root-owned file in /run, which a reboot clears.
 */
import { randomBytes } from "node:crypto";
import type { EcsClient } from "@rotor/cloud-api";
import type { CommandResult, SshSession } from "../ecs-ssh-session.ts";
import { EcsCloudAssistantError } from "./ecs-cloud-assistant-errors.ts";
import { type PollClock, pollUntilFinished } from "./ecs-cloud-assistant-poll.ts";

/** Where command input files go: root-only and in memory on every systemd Linux. */
export const INPUT_FOLDER = "/run";

/** The API's bounds on Timeout, in seconds. */
const MIN_TIMEOUT_S = 10;
const DEFAULT_TIMEOUT_MS = 60_000;

export interface CloudAssistantTarget {
  ecs: EcsClient;
  instanceId: string;
  /** The rotation step's deadline and clock: no wait outlasts it. */
  clock: PollClock;
}

/** A session running every command through Cloud Assistant as root. */
export function cloudAssistantSession(target: CloudAssistantTarget): SshSession {
  const { ecs, instanceId, clock } = target;
  return {
    // Port 0 marks "no SSH": errors then read root@<instance> (Cloud Assistant).
    endpoint: { host: instanceId, port: 0, userName: "root" },
    async run(command, stdin, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const timeoutSeconds = Math.max(
        MIN_TIMEOUT_S,
        Math.ceil(Math.min(timeoutMs, clock.deadline - clock.now()) / 1000),
      );
      if (stdin === undefined || stdin === "") {
        return runScript(target, `(\n${command}\n) </dev/null`, timeoutSeconds);
      }
      const name = `.rotor-input-${randomBytes(12).toString("hex")}`;
      await sendInput(target, name, stdin);
      const path = `${INPUT_FOLDER}/${name}`;
      const script = [`f='${path}'`, `trap 'rm -f "$f"' EXIT`, `(\n${command}\n) < "$f"`].join(
        "\n",
      );
      return runScript({ ecs, instanceId, clock }, script, timeoutSeconds);
    },
    close() {
      // Nothing held open: every command is its own invocation.
    },
  };
}

async function sendInput(target: CloudAssistantTarget, name: string, content: string) {
  const { ecs, instanceId, clock } = target;
  const what = "delivering a command's input file";
  const { invokeId } = await ecs.sendFile({
    instanceId,
    name,
    targetDir: INPUT_FOLDER,
    content,
    fileMode: "0600",
    fileOwner: "root",
    overwrite: false,
  });
  const result = await pollUntilFinished(
    () => ecs.describeSendFileResult({ instanceId, invokeId }),
    clock,
    { instanceId, invokeId, description: what },
  );
  if (result.status !== "Success") {
    throw new EcsCloudAssistantError(
      instanceId,
      invokeId,
      result.status,
      result.errorCode,
      what,
      result.errorInfo,
    );
  }
}

/**
 * Runs a script and waits for it. A non-zero exit is a result (the caller
 * reads the code); a timeout or an agent failure is an error. Cloud
 * Assistant returns stdout and stderr as one output: both fields hold it.
 */
async function runScript(
  target: CloudAssistantTarget,
  script: string,
  timeoutSeconds: number,
): Promise<CommandResult> {
  const { ecs, instanceId, clock } = target;
  const what = "a command";
  const { invokeId } = await ecs.runCommand({ instanceId, script, timeoutSeconds });
  const result = await pollUntilFinished(
    () => ecs.describeInvocationResult({ instanceId, invokeId }),
    clock,
    { instanceId, invokeId, description: what },
  );
  if (
    result.status === "Success" ||
    (result.status === "Failed" && result.exitCode !== undefined)
  ) {
    return { exitCode: result.exitCode ?? 0, stdout: result.output, stderr: result.output };
  }
  throw new EcsCloudAssistantError(
    instanceId,
    invokeId,
    result.status,
    result.errorCode,
    what,
    result.errorInfo,
  );
}
