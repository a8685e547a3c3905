/**
 * The line of a PostgreSQL program's output that says why it failed.
 *
 * initdb ends every failure with its own cleanup ("initdb: removing data
 * directory …"), so the last line is rarely the cause; and a failure in a
 * shell it runs ("sh: 1: cannot create /dev/null: Permission denied")
 * carries no "error" word. The cause is the last line that reads as a
 * failure, leaving out initdb's cleanup and the "child process exited"
 * line that only says a failure happened; else the last line.
 */
const FAILURE_WORDS = /\b(error|FATAL|PANIC|cannot|could not|denied|no such file|not permitted)\b/i;
const AFTERMATH = /removing (data|contents of data) directory|child process exited with/i;

export function failureCause(output: string): string {
  const lines = output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const causes = lines.filter((line) => FAILURE_WORDS.test(line) && !AFTERMATH.test(line));
  return causes.at(-1) ?? lines.at(-1) ?? "no output";
}
