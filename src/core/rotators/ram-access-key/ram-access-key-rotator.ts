/**
 * The RAM AccessKey rotator (`rotor:rotator=ram-access-key`): a RAM user's
 * AccessKey pair, rotated within RAM's limit of two keys per user.
 *
 * - createSecret makes room (see ram-access-key-slots.ts: orphans from a
 *   crash go, the ACSPrevious key goes once its grace period is over,
 *   nothing is ever chosen by age), then creates the new key; the engine
 *   stores it as the pending version at once. When a pending version
 *   already exists (a rotation in progress or abandoned), no key is made:
 *   the engine then refuses or resumes that rotation.
 * - setSecret checks the pending key is there and Active; in an emergency
 *   it sets the leaked current key Inactive at once.
 * - testSecret signs STS GetCallerIdentity with the new key (the engine
 *   retries with backoff while the key propagates) and checks the key
 *   belongs to the secret's user.
 * - finishSecret checks the pending key is still there before the switch,
 *   so ACSCurrent never names a dead key. The previous key stays Active
 *   through its grace period; in an emergency it is deleted once the new
 *   key is current.
 * - endGrace (between rotations, asked by the scheduler once a duration
 *   grace period has passed): once the current key proves itself, sets the
 *   ACSPrevious key Inactive, so it stops authenticating on time; the next
 *   rotation deletes it.
 */

import type { AccessKeySummary, NewAccessKey } from "@rotor/cloud-api";
import { ApiError } from "@rotor/cloud-api";
import {
  defineRotator,
  type Rotator,
  type RotatorContext,
} from "../../contract/rotator-contract.ts";
import { ACS_PREVIOUS } from "../../contract/stages.ts";
import { engineConfigFromTags } from "../../contract/tags/engine-tags.ts";
import { type RamAccessKeyClients, ramAccessKeyClientsOf } from "./ram-access-key-clients.ts";
import { type RamAccessKeyConfig, ramAccessKeyConfigSchema } from "./ram-access-key-config.ts";
import {
  AccessKeyInFlightError,
  AccessKeySlotsBusyError,
  AccessKeyTargetError,
} from "./ram-access-key-errors.ts";
import { checkUserAllowed, proveUserKey } from "./ram-access-key-proof.ts";
import { type Blocker, planSlots } from "./ram-access-key-slots.ts";
import { type RamAccessKeyValue, ramAccessKeyCodec } from "./ram-access-key-value.ts";

export const RAM_ACCESS_KEY_KIND = "ram-access-key";

/** RAM's limit of AccessKeys per user. */
export const MAX_KEYS_PER_USER = 2;

type Ctx = RotatorContext<RamAccessKeyConfig>;

export function createRamAccessKeyRotator(
  /** Default: the invocation's RAM and STS, ctx.cloud. */
  clients?: RamAccessKeyClients,
): Rotator<RamAccessKeyValue, RamAccessKeyConfig> {
  const clientsFor = (ctx: Ctx): RamAccessKeyClients => clients ?? ramAccessKeyClientsOf(ctx.cloud);
  const ramCall = <T>(ctx: Ctx, action: string, call: () => Promise<T>) =>
    ctx.external(`ram.${action}`, call);

  const listKeys = async (userName: string, ctx: Ctx): Promise<AccessKeySummary[]> => {
    try {
      return await ramCall(ctx, "ListAccessKeys", () =>
        clientsFor(ctx).ram().listAccessKeys({ userName }),
      );
    } catch (error) {
      throw userMissing(error, userName, ctx.secretName) ?? error;
    }
  };

  /** Deletes a key; one already gone counts as deleted (a re-run, or a hand). */
  const deleteKey = async (userName: string, accessKeyId: string, ctx: Ctx) => {
    try {
      await ramCall(ctx, "DeleteAccessKey", () =>
        clientsFor(ctx).ram().deleteAccessKey({ userName, accessKeyId }),
      );
      ctx.log.info("access-key-deleted", { user: userName, accessKeyId });
    } catch (error) {
      if (!isCode(error, "EntityNotExist.User.AccessKey")) throw error;
    }
  };

  const setStatus = async (
    userName: string,
    accessKeyId: string,
    status: "Active" | "Inactive",
    ctx: Ctx,
  ) => {
    await ramCall(ctx, "UpdateAccessKey", () =>
      clientsFor(ctx).ram().updateAccessKey({ userName, accessKeyId, status }),
    );
    ctx.log.info("access-key-status", { user: userName, accessKeyId, status });
  };

  /** A staged version's value, or undefined when no version carries the stage. */
  const readStage = async (stage: string, ctx: Ctx): Promise<RamAccessKeyValue | undefined> => {
    let data: string;
    try {
      data = await ctx.readSecret(ctx.secretName, { versionStage: stage });
    } catch (error) {
      if (isCode(error, "Forbidden.ResourceNotFound")) return undefined;
      throw error;
    }
    try {
      return ramAccessKeyCodec.parse(data, ctx.secretName);
    } catch {
      // A version of another shape names no key of ours.
      return undefined;
    }
  };

  /** The pending key must exist (and be Active) before it may become current. */
  const requirePendingKey = async (pending: RamAccessKeyValue, ctx: Ctx, step: string) => {
    const keys = await listKeys(pending.UserName, ctx);
    const key = keys.find((candidate) => candidate.accessKeyId === pending.AccessKeyId);
    if (!key) {
      throw new AccessKeyTargetError(
        `Secret ${ctx.secretName}: ${step} stopped: the pending AccessKey ${pending.AccessKeyId} of RAM user ${pending.UserName} no longer exists (deleted outside Rotor?). The current key is untouched; cancel this rotation and start a new one.`,
      );
    }
    return key;
  };

  return defineRotator<RamAccessKeyValue, RamAccessKeyConfig>({
    kind: RAM_ACCESS_KEY_KIND,
    description: "a RAM user's AccessKey pair, within RAM's limit of two keys per user",
    value: ramAccessKeyCodec,
    config: ramAccessKeyConfigSchema,

    async createValue(current, ctx) {
      const userName = current.UserName;
      checkUserAllowed(ctx, userName);
      const pendingStage = engineConfigFromTags(ctx.tags).pendingStage;
      const keys = await listKeys(userName, ctx);
      const pending = await readStage(pendingStage, ctx);
      if (pending && pending.UserName === userName) {
        // A rotation is in progress or was abandoned: make nothing. The engine
        // finds the pending version and refuses (lease held) or resumes it;
        // this value, differing from the stored one, is never stored.
        return { ...pending, GenerateTimestamp: new Date(ctx.now()).toISOString() };
      }
      const previous = await readStage(ACS_PREVIOUS, ctx);
      // Before any key is created or deleted: the secret holds a working key
      // of this very user, so naming someone else's user yields nothing.
      const held = [current, ...(previous?.UserName === userName ? [previous] : [])];
      await proveUserKey(held, keys, clientsFor(ctx), ctx);
      const plan = planSlots({
        keys: keys.map((key) => ({
          accessKeyId: key.accessKeyId,
          status: key.status,
          createTime: Date.parse(key.createDate),
        })),
        currentKeyId: current.AccessKeyId,
        previous:
          previous && previous.UserName === userName && previous.AccessKeyId !== current.AccessKeyId
            ? {
                accessKeyId: previous.AccessKeyId,
                supersededAt: Date.parse(current.GenerateTimestamp),
              }
            : undefined,
        now: ctx.now(),
        gracePeriod: ctx.config["grace-period"],
        orphanMinAgeMs: ctx.config["orphan-min-age"],
        emergency: ctx.emergency,
        maxKeys: MAX_KEYS_PER_USER,
      });
      if (plan.blockers) {
        const inFlight = plan.blockers.filter((blocker) => blocker.inFlight);
        if (inFlight.length > 0) throw keysInFlight(ctx.secretName, userName, inFlight);
        const reasons = plan.blockers
          .map((blocker) => `${blocker.accessKeyId}: ${blocker.reason}`)
          .join("; ");
        throw new AccessKeySlotsBusyError(
          `Secret ${ctx.secretName}: RAM user ${userName} already has ${MAX_KEYS_PER_USER} AccessKeys and none may be removed yet (${reasons})`,
        );
      }
      for (const accessKeyId of plan.deactivate) {
        await setStatus(userName, accessKeyId, "Inactive", ctx).catch((error: unknown) => {
          if (!isCode(error, "EntityNotExist.User.AccessKey")) throw error;
        });
      }
      for (const accessKeyId of plan.delete) await deleteKey(userName, accessKeyId, ctx);
      let created: NewAccessKey;
      try {
        created = await ramCall(ctx, "CreateAccessKey", () =>
          clientsFor(ctx).ram().createAccessKey({ userName }),
        );
      } catch (error) {
        if (isCode(error, "LimitExceeded.User.AccessKey")) {
          // Room was made a moment ago: someone else took the slot since.
          throw new AccessKeyInFlightError(
            ctx.secretName,
            `Secret ${ctx.secretName}: RAM user ${userName} has no free AccessKey slot: a key was created for it since this invocation made room, and the next rotation decides whether it may be removed`,
            undefined,
          );
        }
        throw userMissing(error, userName, ctx.secretName) ?? error;
      }
      ctx.redact(created.accessKeySecret);
      ctx.log.info("access-key-created", { user: userName, accessKeyId: created.accessKeyId });
      return {
        AccessKeyId: created.accessKeyId,
        AccessKeySecret: created.accessKeySecret,
        UserName: userName,
        GenerateTimestamp: new Date(ctx.now()).toISOString(),
      };
    },

    async apply({ current, pending }, ctx) {
      checkUserAllowed(ctx, pending.UserName);
      sameUser(current, pending, ctx);
      const key = await requirePendingKey(pending, ctx, "setSecret");
      if (key.status !== "Active")
        await setStatus(pending.UserName, key.accessKeyId, "Active", ctx);
      if (ctx.emergency && current.AccessKeyId !== pending.AccessKeyId) {
        // The current key leaked: stop it now, not after the switch.
        try {
          await setStatus(current.UserName, current.AccessKeyId, "Inactive", ctx);
        } catch (error) {
          if (!isCode(error, "EntityNotExist.User.AccessKey")) throw error;
        }
      }
    },

    async test(value, ctx) {
      const identity = await ctx.external("sts.GetCallerIdentity", () =>
        clientsFor(ctx)
          .stsAs({ accessKeyId: value.AccessKeyId, accessKeySecret: value.AccessKeySecret })
          .getCallerIdentity(),
      );
      const expectedSuffix = `:user/${value.UserName}`;
      if (identity.identityType !== "RAMUser" || !identity.arn.endsWith(expectedSuffix)) {
        throw new AccessKeyTargetError(
          `Secret ${ctx.secretName}: AccessKey ${value.AccessKeyId} belongs to ${identity.arn}, not to RAM user ${value.UserName}`,
        );
      }
    },

    async finish({ pending }, ctx) {
      checkUserAllowed(ctx, pending.UserName);
      const key = await requirePendingKey(pending, ctx, "finishSecret");
      if (key.status !== "Active") {
        throw new AccessKeyTargetError(
          `Secret ${ctx.secretName}: finishSecret stopped: the pending AccessKey ${pending.AccessKeyId} of RAM user ${pending.UserName} was set Inactive after it was tested; the current key stays current`,
        );
      }
    },

    async endGrace({ previous, current }, ctx) {
      const grace = ctx.config["grace-period"];
      if (grace === "next-rotation") {
        return { ended: false, reason: "rotor:grace-period is next-rotation" };
      }
      if (previous.AccessKeyId === current.AccessKeyId) {
        return { ended: false, reason: "ACSPrevious names the current key" };
      }
      // Counted as createSecret counts it: from when the current key was made.
      const endsAt = Date.parse(current.GenerateTimestamp) + grace;
      if (ctx.now() < endsAt) {
        return {
          ended: false,
          reason: `the grace period runs until ${new Date(endsAt).toISOString()}`,
          endsAt,
        };
      }
      if (previous.UserName !== current.UserName) {
        return { ended: false, reason: "ACSPrevious names another RAM user than ACSCurrent" };
      }
      checkUserAllowed(ctx, current.UserName);
      const keys = await listKeys(previous.UserName, ctx);
      // A key is set Inactive only for a user whose key the secret holds.
      await proveUserKey([current], keys, clientsFor(ctx), ctx);
      const key = keys.find((candidate) => candidate.accessKeyId === previous.AccessKeyId);
      if (key?.status === "Active") {
        try {
          await setStatus(previous.UserName, previous.AccessKeyId, "Inactive", ctx);
        } catch (error) {
          if (!isCode(error, "EntityNotExist.User.AccessKey")) throw error;
        }
      }
      return { ended: true };
    },

    async revoke({ revoked, current }, ctx) {
      if (revoked.AccessKeyId === current.AccessKeyId) return;
      sameUser(current, revoked, ctx);
      checkUserAllowed(ctx, current.UserName);
      // The new key, just made and tested, proves the user is this secret's.
      await proveUserKey([current], await listKeys(current.UserName, ctx), clientsFor(ctx), ctx);
      await deleteKey(revoked.UserName, revoked.AccessKeyId, ctx);
    },
  });
}

/**
 * The built-in instance: RAM and STS through the rotation context's cloud
 * (ctx.cloud: the invocation's keys, the function role's on FC, otherwise
 * the standard Alibaba credential chain; endpoints from ROTOR_ENDPOINT or
 * the public ones).
 */
export const ramAccessKeyRotator = createRamAccessKeyRotator();

/** A rotation only ever changes the keys of one user. */
function sameUser(current: RamAccessKeyValue, other: RamAccessKeyValue, ctx: Ctx): void {
  if (other.UserName !== current.UserName) {
    throw new AccessKeyTargetError(
      `Secret ${ctx.secretName}: a version names RAM user ${other.UserName}, ACSCurrent names ${current.UserName}: a rotation changes the keys of one user only, refusing`,
    );
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof ApiError && error.code === code;
}

function userMissing(error: unknown, userName: string, secretName: string): Error | undefined {
  if (!isCode(error, "EntityNotExist.User")) return undefined;
  return new AccessKeyTargetError(
    `Secret ${secretName}: RAM user ${userName} does not exist; create it or correct UserName in the secret`,
    { cause: error },
  );
}

/**
 * The refusal while keys no version names yet block the user's last slot:
 * which keys, and from when each may be removed as an orphan. Nothing
 * else: no rotation of this secret is pending, so none is named.
 */
function keysInFlight(
  secretName: string,
  userName: string,
  blockers: readonly Blocker[],
): AccessKeyInFlightError {
  const keys = blockers.map(
    (blocker) =>
      `AccessKey ${blocker.accessKeyId} of RAM user ${userName}, which no version of the secret names, may be removed from ${new Date(blocker.removableAt ?? 0).toISOString()} (rotor:orphan-min-age): until then an invocation may still be storing it`,
  );
  const until = Math.max(...blockers.map((blocker) => blocker.removableAt ?? 0));
  return new AccessKeyInFlightError(
    secretName,
    `Secret ${secretName}: no free AccessKey slot. ${keys.join("; ")}`,
    until,
  );
}
