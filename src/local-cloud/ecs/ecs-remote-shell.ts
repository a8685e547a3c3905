/**
 * What the local Cloud Assistant does on an instance, over one SSH login
 * (local-ssh-exec.ts) as the instance's privileged account: run a script
 * the way the agent does (from a file, with no stdin, stdout and stderr in
 * one output, stopped at its timeout) and write a file the way SendFile
 * does (mode, owner, no overwrite unless asked, never half-written).
 */
import type { LocalEcsInstance } from "./local-ecs-instance.ts";
import { SshExecError, type SshExecResult, sshExec } from "./local-ssh-exec.ts";

/** How a script run ended, as Cloud Assistant reports it per instance. */
export interface ScriptOutcome {
  status: "Success" | "Failed" | "Timeout" | "Error";
  exitCode: number | undefined;
  output: string;
  errorCode: string;
  errorInfo: string;
}

/** `timeout`'s exit code when it stopped the script. */
const TIMED_OUT = 124;

/** How long writing one file (at most 32 KB) may take before it is killed. */
const SEND_FILE_TIMEOUT_MS = 60_000;

/** Cloud Assistant's answer for a run stopped at its timeout. */
function timedOut(output: string): ScriptOutcome {
  return {
    status: "Timeout",
    exitCode: undefined,
    output,
    errorCode: "ExecutionTimeout",
    errorInfo: "the command execution has been timeout",
  };
}

/** How a run that neither succeeded nor timed out ended, in words. */
function endOf(result: SshExecResult): string {
  if (result.exitCode !== null) return `exited with code ${result.exitCode}`;
  return `was ended by signal ${result.signal ?? "(unknown)"}`;
}

/**
 * Runs `script` with `sh` from a temporary file, stdin from /dev/null (the
 * agent has no stdin either), killed after `timeoutSeconds`.
 */
export async function runScriptOn(
  instance: LocalEcsInstance,
  script: string,
  timeoutSeconds: number,
): Promise<ScriptOutcome> {
  const wrapper = [
    'f=$(mktemp) || exit 125; cat > "$f" || exit 125',
    `PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout -k 2 ${timeoutSeconds} sh "$f" </dev/null 2>&1`,
    'rc=$?; rm -f "$f"; exit $rc',
  ].join("\n");
  const started = Date.now();
  let result: SshExecResult;
  try {
    // The remote `timeout` stops the script; this bound is for a shell that hangs anyway.
    result = await sshExec(instance, {
      command: wrapper,
      stdin: script,
      timeoutMs: (timeoutSeconds + 30) * 1000,
    });
  } catch (error) {
    return agentError(error);
  }
  const { exitCode, stdout } = result;
  if (result.timedOut) return timedOut(stdout);
  if (exitCode === TIMED_OUT && Date.now() - started >= timeoutSeconds * 1000) {
    return timedOut(stdout);
  }
  if (exitCode === 0) {
    return { status: "Success", exitCode: 0, output: stdout, errorCode: "", errorInfo: "" };
  }
  return {
    status: "Failed",
    exitCode: exitCode ?? undefined,
    output: stdout,
    errorCode: "ExitCodeNonzero",
    errorInfo: `the command ${endOf(result)}`,
  };
}

export interface FileToSend {
  targetDir: string;
  name: string;
  content: Buffer;
  /** Octal digits, e.g. "0600". */
  fileMode: string;
  fileOwner: string;
  overwrite: boolean;
}

/** SendFile's failures the script below signals by exit code. */
const SEND_FILE_ERRORS: Readonly<Record<number, { code: string; info: string }>> = {
  3: { code: "DirectoryNotExists", info: "the specified directory does not exists" },
  4: { code: "FileAlreadyExists", info: "the file already exists and Overwrite is false" },
  5: { code: "UserNotExists", info: "the specified file owner does not exist" },
};

/**
 * Writes the file through a temporary name in the same folder, then renames
 * it: readers never see a partial file. The names are checked by the
 * product (no quotes, no line breaks), so single-quoting them is exact.
 */
export async function sendFileTo(
  instance: LocalEcsInstance,
  file: FileToSend,
): Promise<ScriptOutcome> {
  const path = `${file.targetDir.replace(/\/+$/, "")}/${file.name}`;
  const script = [
    "umask 077",
    `d='${file.targetDir}'; p='${path}'; t="$p.sendfile-$$"`,
    '[ -d "$d" ] || exit 3',
    file.overwrite ? "" : '[ -e "$p" ] && exit 4',
    `id -u '${file.fileOwner}' >/dev/null 2>&1 || exit 5`,
    `if cat > "$t" && chown '${file.fileOwner}' "$t" && chmod ${file.fileMode} "$t" && mv -f "$t" "$p"; then exit 0; fi`,
    'rm -f "$t"; exit 1',
  ]
    .filter((line) => line !== "")
    .join("\n");
  let result: SshExecResult;
  try {
    result = await sshExec(instance, {
      command: script,
      stdin: file.content,
      timeoutMs: SEND_FILE_TIMEOUT_MS,
    });
  } catch (error) {
    return agentError(error);
  }
  if (result.timedOut) return timedOut("");
  if (result.exitCode === 0) {
    return { status: "Success", exitCode: 0, output: "", errorCode: "", errorInfo: "" };
  }
  const known = SEND_FILE_ERRORS[result.exitCode ?? -1];
  return {
    status: "Failed",
    exitCode: result.exitCode ?? undefined,
    output: "",
    errorCode: known?.code ?? "FileWriteFailed",
    errorInfo: known?.info ?? result.stderr.trim().slice(0, 500),
  };
}

/** The instance could not be reached: what Cloud Assistant calls an unresponsive agent. */
function agentError(error: unknown): ScriptOutcome {
  // The kind of failure only: enough to tell a wrong host key from a dead server.
  const why = error instanceof SshExecError ? error.failure : ((error as Error)?.name ?? "error");
  return {
    status: "Error",
    exitCode: undefined,
    output: "",
    errorCode: "ClientNotResponse",
    errorInfo: `the aliyun service in the instance does not response (${why})`,
  };
}
