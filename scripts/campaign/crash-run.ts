/**
 * The crash campaign for one rotator: run a rotation in a child process,
 * SIGKILL it (or the local cloud) at a random point, let the next
 * invocation finish the job, and check the invariants. Repeated `runs`
 * times on one secret, so versions pile up against KMS's cap too.
 *
 * A kill lands right after the child announced its n-th external call
 * (n drawn at random), or after a random time; the point is named after
 * the last call announced before the kill.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { RotationInProgressError } from "../../src/core/contract/rotation-errors.ts";
import { createJsonLogger } from "../../src/core/engine/json-logger.ts";
import { RotationEngine, type RotationResult } from "../../src/core/engine/rotation-engine.ts";
import { campaignCloud, campaignPolicy, campaignRotators } from "./campaign-rotators.ts";
import type { CampaignTarget } from "./campaign-targets.ts";
import type { CloudProcess } from "./cloud-process.ts";
import { checkInterrupted, checkRotated, listVersions, stageHolders } from "./secret-invariants.ts";

export interface CampaignRunOptions {
  runs: number;
  /** Share of runs that kill the local cloud instead of the rotation (0..1). */
  cloudKillRate: number;
  /** Share of runs killed after a random time rather than at a call (0..1). */
  timedKillRate: number;
  random: () => number;
  progress?: (line: string) => void;
}

export interface Violation {
  run: number;
  problem: string;
}

export interface KindReport {
  kind: string;
  runs: number;
  rotationKills: number;
  cloudKills: number;
  /** Runs whose child finished before its kill came. */
  finishedFirst: number;
  /** Recoveries that carried on a rotation the killed child left. */
  resumed: number;
  /** Next invocations refused because a request of the killed one landed meanwhile, then run again. */
  recoveryRetries: number;
  killPoints: Map<string, number>;
  violations: Violation[];
  durationMs: number;
}

/** The next invocation comes after any lease a killed child held (15 minutes by default). */
const LATER_MS = 24 * 60 * 60 * 1000;
const CHILD_TIMEOUT_MS = 120_000;
const RECOVERY_ATTEMPTS = 3;

interface ChildOutcome {
  calls: string[];
  /** The last line: `done <outcome>` or `failed <name>`, absent when killed. */
  end: string | undefined;
  killed: boolean;
  elapsedMs: number;
}

/** Runs one rotation child; `onCall` may kill it (or the cloud) when call n is announced. */
function runChild(
  bundle: string,
  input: object,
  plan: {
    killAtCall?: number;
    killAfterMs?: number;
    /** Kills the child (first argument) or the cloud; `calls` are those announced so far. */
    onKillPoint: (killChild: () => void, calls: readonly string[]) => Promise<void> | void;
  },
): Promise<ChildOutcome> {
  const started = Date.now();
  const child = spawn(process.execPath, [bundle, JSON.stringify(input)], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const calls: string[] = [];
  let end: string | undefined;
  let killed = false;
  let triggered = false;
  let killWork: Promise<void> | undefined;
  const killChild = () => {
    killed = true;
    child.kill("SIGKILL");
  };
  const trigger = () => {
    if (triggered) return;
    triggered = true;
    killWork = Promise.resolve(plan.onKillPoint(killChild, calls));
  };
  const timers: NodeJS.Timeout[] = [];
  if (plan.killAfterMs !== undefined) timers.push(setTimeout(trigger, plan.killAfterMs));
  timers.push(setTimeout(killChild, CHILD_TIMEOUT_MS));
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    const call = /^call (\d+) (.+)$/.exec(line);
    if (call) {
      calls.push(call[2] ?? "?");
      if (plan.killAtCall !== undefined && Number(call[1]) === plan.killAtCall) trigger();
    } else if (line.startsWith("done ") || line.startsWith("failed ")) {
      end = line;
    }
  });
  return new Promise((resolve) => {
    child.once("exit", async () => {
      for (const timer of timers) clearTimeout(timer);
      lines.close();
      await killWork; // a cloud restart must be over before anyone looks at the secret
      resolve({ calls, end, killed: killed && end === undefined, elapsedMs: Date.now() - started });
    });
  });
}

export async function runKindCampaign(
  target: CampaignTarget,
  cloud: CloudProcess,
  rotationChild: string,
  options: CampaignRunOptions,
): Promise<KindReport> {
  const started = Date.now();
  const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const report: KindReport = {
    kind: target.kind,
    runs: 0,
    rotationKills: 0,
    cloudKills: 0,
    finishedFirst: 0,
    resumed: 0,
    recoveryRetries: 0,
    killPoints: new Map(),
    violations: [],
    durationMs: 0,
  };
  const childInput = {
    endpoint: cloud.endpoint,
    credentials: cloud.credentials,
    secretName: target.secretName,
  };
  // Calibration: one rotation without a kill says how many calls and how long one takes.
  const calibration = await runChild(rotationChild, childInput, { onKillPoint: () => {} });
  if (calibration.end !== "done rotated") {
    throw new Error(
      `the ${target.kind} calibration rotation did not complete: ${calibration.end ?? "no result"}`,
    );
  }
  const callsPerRotation = calibration.calls.length;

  for (let run = 1; run <= options.runs; run++) {
    const violation = (problem: string) => report.violations.push({ run, problem });
    const killCloud = options.random() < options.cloudKillRate;
    const timed = options.random() < options.timedKillRate;
    const killAtCall = 1 + Math.floor(options.random() * callsPerRotation);
    const killAfterMs = Math.floor(options.random() * calibration.elapsedMs);
    const before = await listVersions(kms, target.secretName);
    const startedFrom = stageHolders(before, "ACSCurrent")[0]?.versionId ?? "";
    const existedBefore = new Set(before.map((version) => version.versionId));
    let point = "";
    const outcome = await runChild(rotationChild, childInput, {
      ...(timed ? { killAfterMs } : { killAtCall }),
      async onKillPoint(killChild, calls) {
        const last = calls.at(-1);
        point = `${killCloud ? "cloud" : "rotation"} killed ${last ? `at call ${calls.length} (${last})` : "before the first call"}`;
        if (!killCloud) {
          killChild();
          return;
        }
        await cloud.kill();
        await new Promise((resolve) => setTimeout(resolve, Math.floor(options.random() * 200)));
        await cloud.restart();
      },
    });
    if (point === "") point = "finished before the kill";
    report.runs += 1;
    if (outcome.killed) report.rotationKills += 1;
    if (killCloud && point.startsWith("cloud")) report.cloudKills += 1;
    if (!outcome.killed && !point.startsWith("cloud")) report.finishedFirst += 1;
    report.killPoints.set(point, (report.killPoints.get(point) ?? 0) + 1);

    try {
      const interrupted = await listVersions(kms, target.secretName);
      for (const problem of checkInterrupted(interrupted)) violation(`after the kill: ${problem}`);
      if (target.currentWorksThroughout) {
        // Before anything resumes: the value applications read now must work now.
        const now = await kms.getSecretValue({ secretName: target.secretName });
        await target
          .verify(now.secretData)
          .catch((error: Error) =>
            violation(`after the kill: ACSCurrent does not work on the target: ${error.name}`),
          );
      }
      const result = await recover(target.secretName, cloud, () => {
        report.recoveryRetries += 1;
      });
      if (result.resumed) report.resumed += 1;
      if (result.outcome !== "rotated" && result.outcome !== "already-current")
        violation(`the next invocation ended ${result.outcome}`);
      const versions = await listVersions(kms, target.secretName);
      const madeThisRun = versions
        .map((version) => version.versionId)
        .filter((id) => !existedBefore.has(id));
      for (const problem of checkRotated(versions, startedFrom, [startedFrom, ...madeThisRun]))
        violation(problem);
      const current = await kms.getSecretValue({ secretName: target.secretName });
      const previous = await kms.getSecretValue({
        secretName: target.secretName,
        versionStage: "ACSPrevious",
      });
      await target
        .verify(current.secretData)
        .catch((error: Error) =>
          violation(`ACSCurrent does not work on the target: ${error.name}`),
        );
      if (target.previousCredential === "works") {
        await target
          .verify(previous.secretData)
          .catch((error: Error) =>
            violation(`ACSPrevious does not work on the target: ${error.name}`),
          );
      } else {
        // One account, one credential: the replaced one must be refused now.
        await target.verify(previous.secretData).then(
          () => violation("ACSPrevious still works on the target, though the rotation replaced it"),
          () => {},
        );
      }
      for (const problem of await target.orphans(current.secretData, previous.secretData))
        violation(problem);
    } catch (error) {
      violation(`the next invocation failed: ${(error as Error).name}: ${describeSafely(error)}`);
    }
    if (run % 10 === 0 || run === options.runs)
      options.progress?.(
        `${target.kind}: ${run}/${options.runs} runs, ${report.violations.length} violations`,
      );
  }
  report.durationMs = Date.now() - started;
  return report;
}

/**
 * The next invocation, a day later (past any lease the killed one held).
 * A request the killed process had already sent can still land while it
 * runs (KMS, like the local cloud, finishes a request whose caller died);
 * the engine then refuses with RotationInProgressError, and the invocation
 * after it, as a scheduler would send, finishes the job.
 */
async function recover(
  secretName: string,
  cloud: CloudProcess,
  onRetry: () => void,
): Promise<RotationResult> {
  for (let attempt = 1; ; attempt++) {
    const engine = new RotationEngine({
      kms: { endpoint: cloud.endpoint, credentials: cloud.credentials },
      rotators: campaignRotators(),
      cloud: campaignCloud(cloud),
      policy: campaignPolicy(),
      log: createJsonLogger(() => {}),
      now: () => Date.now() + LATER_MS,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
      testRetryDelayMs: 20,
    });
    try {
      return await engine.rotate({ secretName });
    } catch (error) {
      if (!(error instanceof RotationInProgressError) || attempt >= RECOVERY_ATTEMPTS) throw error;
      onRetry();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Engine and client errors never carry values; the message is kept short anyway. */
function describeSafely(error: unknown): string {
  return String((error as Error)?.message ?? error).slice(0, 300);
}
