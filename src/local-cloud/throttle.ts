/**
 * Simulated throttling, as a cloud gateway does it: a call is admitted or
 * answered 429 Rejected.Throttling. Two kinds of limits, both sliding
 * windows (throttling/sliding-window-limit.ts):
 *
 * - `throttle` (the command's --throttle): requests per second per action
 *   name, or `*` for one limit shared by every action not named;
 * - a quota preset (throttling/alibaba-kms-quotas.ts): requests per second
 *   per group of actions, shared by the group, as KMS limits an account.
 *
 * A call must pass every limit that applies to it, and takes a place in
 * each only when it passes all of them.
 */
import type { ResolvedQuotas } from "./throttling/alibaba-kms-quotas.ts";
import { SlidingWindowLimit } from "./throttling/sliding-window-limit.ts";

export interface ThrottleVerdict {
  admitted: boolean;
  /** The call's quota group, when quotas are on and the action is in one. */
  group: string | undefined;
}

export class Throttle {
  private readonly perAction = new Map<string, SlidingWindowLimit>();
  private readonly anyOtherAction: SlidingWindowLimit | undefined;
  /** `product:Action` → its quota group. */
  private readonly groups = new Map<string, { name: string; limit: SlidingWindowLimit }>();

  /**
   * @param limits action name (or `*`) → requests per second
   * @param quotas groups of actions sharing a limit
   */
  constructor(
    limits: Readonly<Record<string, number>> | undefined,
    quotas: ResolvedQuotas | undefined,
  ) {
    for (const [action, perSecond] of Object.entries(limits ?? {})) {
      if (action !== "*") this.perAction.set(action, new SlidingWindowLimit(perSecond));
    }
    const star = limits?.["*"];
    this.anyOtherAction = star === undefined ? undefined : new SlidingWindowLimit(star);
    for (const group of quotas?.groups ?? []) {
      const entry = { name: group.name, limit: new SlidingWindowLimit(group.perSecond) };
      for (const action of group.actions) this.groups.set(`${group.product}:${action}`, entry);
    }
  }

  /** Admits the call (taking its place in each limit) or refuses it. `now` in ms. */
  admit(product: string, action: string, now: number): ThrottleVerdict {
    const group = this.groups.get(`${product}:${action}`);
    const applicable: SlidingWindowLimit[] = [];
    const ownLimit = this.perAction.get(action) ?? this.anyOtherAction;
    if (ownLimit) applicable.push(ownLimit);
    if (group) applicable.push(group.limit);
    const admitted = applicable.every((limit) => limit.wouldAdmit(now));
    if (admitted) for (const limit of applicable) limit.take(now);
    return { admitted, group: group?.name };
  }
}

/** Parses `GetSecretValue=50,*=200` (the CLI's --throttle) into limits. */
export function parseThrottleSpec(spec: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const part of spec.split(",").filter(Boolean)) {
    const [action, rate] = part.split("=");
    const qps = Number(rate);
    if (!action || !(qps > 0) || !Number.isFinite(qps)) {
      throw new Error(
        `--throttle expects Action=QPS pairs separated by commas (e.g. GetSecretValue=50,*=200), got ${JSON.stringify(part)}`,
      );
    }
    limits[action.trim()] = qps;
  }
  return limits;
}
