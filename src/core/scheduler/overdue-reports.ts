/**
 * The scheduler's `rotor.rotation.overdue` events (docs/events.md): every
 * managed secret whose last rotation is older than its policy allows
 * (overdue.ts: the first window it was due in has closed) is announced
 * once per window, not once per run.
 *
 * The window: for a `rotor:schedule` policy, each window the cron opens
 * while the secret stays overdue (a reminder each time the scheduler's
 * chance comes round again); for an interval alone, whose one window is
 * the default window after the interval, once until it rotates.
 *
 * What was announced is recorded on the secret, as weakening reports are
 * (weakening-reports.ts): the tag `rotor:overdue-reported` holds a digest
 * of the secret's name, the ACSCurrent version id and the window, which
 * whoever may only tag the secret cannot compute without its version ids. Without kms:TagResource the record is not
 * written and the next run announces again; the event's id is derived
 * from the same digest and its content from the window, so a bus that
 * keeps one event per source and id keeps it once. A record whose secret
 * is no longer overdue is removed.
 *
 * With no event bus configured, nothing here runs: no event, no tag.
 */
import { createHash } from "node:crypto";
import type { KmsClient } from "@rotor/cloud-api";
import { ROTOR_EVENT_TYPES, type RotorEventSink } from "../contract/rotor-events.ts";
import { previousOccurrence } from "../contract/schedule/cron.ts";
import { OVERDUE_REPORTED_TAG } from "../contract/tags/report-tags.ts";
import { isPolicyProblem, readRotationPolicy } from "../contract/tags/rotation-policy.ts";
import { dueWindow } from "./overdue.ts";
import type { PlanEntry } from "./plan.ts";
import { errorLabel, type UnwrittenRecord } from "./unwritten-records.ts";

export interface OverdueReportOptions {
  kms: KmsClient;
  events: RotorEventSink | undefined;
  /** One JSON log line for each report and each trouble. */
  warn: (event: string, fields: Record<string, unknown>) => void;
  /** Collects the records that could not be written or removed, for the run\'s summary. */
  unwritten?: UnwrittenRecord[] | undefined;
  now: number;
}

/** An overdue secret and the window it is reported for. */
export interface OverdueFinding {
  entry: PlanEntry & { currentVersionId: string; lastRotation: number };
  dueAt: number;
  overdueAt: number;
  /** When the window it is reported for began (its key); the event's time is the later of this and overdueAt. */
  windowKey: number;
  /** The digest recorded in the tag, and the event's id. */
  record: string;
}

/** The entry's overdue finding now, or undefined when it is not overdue (or cannot be judged). */
export function overdueFinding(entry: PlanEntry, now: number): OverdueFinding | undefined {
  if (entry.status === "invalid" || entry.status === "unreadable") return undefined;
  const { currentVersionId, lastRotation } = entry;
  if (currentVersionId === undefined || lastRotation === undefined) return undefined;
  const policy = readRotationPolicy(entry.tags);
  if (isPolicyProblem(policy)) return undefined;
  const window = dueWindow(policy, lastRotation);
  if (window === undefined || now < window.overdueAt) return undefined;
  const opened = policy.schedule
    ? previousOccurrence(policy.schedule.cron, now, policy.schedule.zone)
    : undefined;
  const windowKey = opened ?? window.overdueAt;
  const record = createHash("sha256")
    .update(`overdue\n${entry.secretName}\n${currentVersionId}\n${windowKey}`)
    .digest("hex")
    .slice(0, 16);
  return {
    entry: { ...entry, currentVersionId, lastRotation },
    dueAt: window.dueAt,
    overdueAt: window.overdueAt,
    windowKey,
    record,
  };
}

/** Announces the overdue secrets not yet announced in their window; returns how many were. */
export async function reportOverdue(
  plan: readonly PlanEntry[],
  options: OverdueReportOptions,
): Promise<number> {
  const { events } = options;
  if (events === undefined) return 0;
  let reported = 0;
  for (const entry of plan) {
    const recorded = entry.tags[OVERDUE_REPORTED_TAG];
    const finding = overdueFinding(entry, options.now);
    if (finding === undefined) {
      if (recorded !== undefined && entry.status !== "unreadable") {
        await dropRecord(entry, options);
      }
      continue;
    }
    if (recorded === finding.record) continue;
    reported += 1;
    const iso = (ms: number) => new Date(ms).toISOString();
    options.warn("scheduler.overdue", {
      secret: entry.secretName,
      lastRotation: iso(finding.entry.lastRotation),
      overdueAt: iso(finding.overdueAt),
    });
    events.publish({
      type: ROTOR_EVENT_TYPES.overdue,
      id: `overdue-${finding.record}`,
      secretName: entry.secretName,
      time: Math.max(finding.overdueAt, finding.windowKey),
      data: {
        secretName: entry.secretName,
        rotator: entry.rotator,
        functionName: entry.functionName,
        versionId: finding.entry.currentVersionId,
        lastRotation: iso(finding.entry.lastRotation),
        dueAt: iso(finding.dueAt),
        overdueAt: iso(finding.overdueAt),
      },
    });
    try {
      await options.kms.tagResource({
        secretName: entry.secretName,
        tags: [{ key: OVERDUE_REPORTED_TAG, value: finding.record }],
      });
    } catch (error) {
      options.unwritten?.push({
        secretName: entry.secretName,
        tag: OVERDUE_REPORTED_TAG,
        operation: "write",
        error: errorLabel(error),
      });
      options.warn("scheduler.overdue-record-unwritten", {
        secret: entry.secretName,
        error: errorLabel(error),
        why: "the next run announces it again",
      });
    }
  }
  return reported;
}

async function dropRecord(entry: PlanEntry, options: OverdueReportOptions): Promise<void> {
  try {
    await options.kms.untagResource({
      secretName: entry.secretName,
      tagKeys: [OVERDUE_REPORTED_TAG],
    });
  } catch (error) {
    options.unwritten?.push({
      secretName: entry.secretName,
      tag: OVERDUE_REPORTED_TAG,
      operation: "remove",
      error: errorLabel(error),
    });
    options.warn("scheduler.overdue-record-left", {
      secret: entry.secretName,
      error: errorLabel(error),
    });
  }
}
