/**
 * Which of a RAM user's AccessKeys may go to make room for a new one. A
 * user holds at most two keys; the rotator decides key by key, by id and
 * by what the secret's versions say about it, never "the oldest":
 *
 * - the ACSCurrent key is never touched;
 * - a key neither ACSCurrent nor ACSPrevious names is an orphan (a crash
 *   left it between CreateAccessKey and storing the pending version, or
 *   `rotor cancel` took the stage off its rotation): it is deleted once
 *   older than `orphanMinAgeMs`; a younger one may belong to a rotation
 *   running right now, so it blocks instead;
 * - the ACSPrevious key goes (Inactive first, then deleted) once its grace
 *   period is over, or at once in an emergency; within its grace it blocks.
 */

export interface KeyFacts {
  accessKeyId: string;
  status: "Active" | "Inactive";
  /** Epoch ms. */
  createTime: number;
}

export interface SlotInput {
  keys: readonly KeyFacts[];
  currentKeyId: string;
  /** The ACSPrevious version's key and when it stopped being current (the current key's creation). */
  previous?: { accessKeyId: string; supersededAt: number } | undefined;
  now: number;
  gracePeriod: "next-rotation" | number;
  orphanMinAgeMs: number;
  emergency: boolean;
  /** RAM's limit per user. */
  maxKeys: number;
}

export interface Blocker {
  accessKeyId: string;
  reason: string;
  /** A key that may belong to a rotation running right now (not a lasting problem). */
  inFlight: boolean;
  /** For a key in flight: epoch ms from which it counts as an orphan and may be removed. */
  removableAt?: number | undefined;
}

export interface SlotPlan {
  /** Keys to set Inactive before they are deleted. */
  deactivate: string[];
  delete: string[];
  /** Set when, after the plan, the user would still have no free slot. */
  blockers?: Blocker[] | undefined;
}

export function planSlots(input: SlotInput): SlotPlan {
  const plan: SlotPlan = { deactivate: [], delete: [] };
  const blockers: Blocker[] = [];
  let remaining = 0;
  let previousKey: KeyFacts | undefined;
  for (const key of input.keys) {
    if (key.accessKeyId === input.currentKeyId) {
      remaining++;
      blockers.push({
        accessKeyId: key.accessKeyId,
        reason: "it is the ACSCurrent key",
        inFlight: false,
      });
      continue;
    }
    if (key.accessKeyId === input.previous?.accessKeyId) {
      previousKey = key;
      continue;
    }
    const age = input.now - key.createTime;
    if (age >= input.orphanMinAgeMs) {
      // Orphans go whether or not the room is needed: nobody can ever read their secret.
      plan.delete.push(key.accessKeyId);
      continue;
    }
    remaining++;
    blockers.push({
      accessKeyId: key.accessKeyId,
      reason: `no version of the secret names it and it was created only ${Math.max(0, Math.round(age / 1000))} s ago: another invocation may be storing it (it is deleted as an orphan once ${Math.round(input.orphanMinAgeMs / 1000)} s old)`,
      inFlight: true,
      removableAt: key.createTime + input.orphanMinAgeMs,
    });
  }
  if (previousKey) {
    const graceEnds =
      input.gracePeriod === "next-rotation"
        ? undefined
        : (input.previous?.supersededAt ?? 0) + input.gracePeriod;
    const needRoom = remaining + 1 >= input.maxKeys;
    const graceOver = input.emergency || graceEnds === undefined || input.now >= graceEnds;
    if (needRoom && graceOver) {
      if (previousKey.status === "Active") plan.deactivate.push(previousKey.accessKeyId);
      plan.delete.push(previousKey.accessKeyId);
    } else {
      remaining++;
      blockers.push({
        accessKeyId: previousKey.accessKeyId,
        reason: `it is the ACSPrevious key, in its grace period until ${new Date(graceEnds ?? 0).toISOString()} (tag rotor:grace-period)`,
        inFlight: false,
      });
    }
  }
  if (remaining >= input.maxKeys) plan.blockers = blockers;
  return plan;
}
