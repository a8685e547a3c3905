/**
 * One rotator kind, two ways to reach the server: the secret's value
 * chooses. `host` / `port` / `hostKeyFingerprint` mean SSH; `InstanceId` /
 * `RegionId` mean Cloud Assistant (servers without inbound SSH). A value
 * naming both is refused rather than guessed at, and a rotation never
 * switches transport between its current and pending values.
 */
import { ValidationError } from "@rotor/cloud-api";
import type { Rotator, SecretValueCodec } from "../../../contract/rotator-contract.ts";

const CLOUD_ASSISTANT_FIELDS = ["InstanceId", "RegionId"] as const;
const SSH_FIELDS = ["host", "port", "hostKeyFingerprint", "privilegedSecret"] as const;

type Transport = "ssh" | "cloud-assistant";

function transportOfData(data: string, secretName: string): Transport {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return "ssh"; // the SSH codec then says "not JSON" with the expected shape
  }
  if (typeof json !== "object" || json === null) return "ssh";
  const has = (field: string) => Object.hasOwn(json, field);
  const cloudAssistant = CLOUD_ASSISTANT_FIELDS.some(has);
  if (cloudAssistant && SSH_FIELDS.some(has)) {
    throw new ValidationError(
      `The value of secret ${secretName} names both an SSH server (${SSH_FIELDS.filter(has).join(", ")}) and a Cloud Assistant instance (${CLOUD_ASSISTANT_FIELDS.filter(has).join(", ")}): give one of them`,
    );
  }
  return cloudAssistant ? "cloud-assistant" : "ssh";
}

function transportOf(value: object): Transport {
  return Object.hasOwn(value, "InstanceId") ? "cloud-assistant" : "ssh";
}

/**
 * The rotator of `kind` that hands each value to `overSsh` or
 * `overCloudAssistant`; both must hold the same credential fields.
 */
export function chooseTransport<SshValue extends object, CaValue extends object>(
  overSsh: Rotator<SshValue, Record<string, never>>,
  overCloudAssistant: Rotator<CaValue, Record<string, never>>,
): Rotator<SshValue | CaValue, Record<string, never>> {
  type Value = SshValue | CaValue;
  const sameTransport = (current: Value, pending: Value, secretName: string) => {
    if (transportOf(current) !== transportOf(pending)) {
      throw new ValidationError(
        `The pending value of secret ${secretName} reaches the server another way than the current one (SSH or Cloud Assistant): a rotation only changes the credential, refusing to apply it`,
      );
    }
  };

  const value: SecretValueCodec<Value> = {
    parse(data, secretName) {
      return transportOfData(data, secretName) === "ssh"
        ? overSsh.value.parse(data, secretName)
        : overCloudAssistant.value.parse(data, secretName);
    },
    format(v) {
      return transportOf(v) === "ssh"
        ? overSsh.value.format(v as SshValue)
        : overCloudAssistant.value.format(v as CaValue);
    },
    sensitive(v) {
      return transportOf(v) === "ssh"
        ? overSsh.value.sensitive(v as SshValue)
        : overCloudAssistant.value.sensitive(v as CaValue);
    },
  };

  return {
    kind: overSsh.kind,
    description: `${overSsh.description}, or through Cloud Assistant when the value names an InstanceId`,
    value,
    config: overSsh.config,
    usesPrevious: overSsh.usesPrevious === true || overCloudAssistant.usesPrevious === true,
    createValue(current, ctx) {
      return transportOf(current) === "ssh"
        ? overSsh.createValue(current as SshValue, ctx)
        : overCloudAssistant.createValue(current as CaValue, ctx);
    },
    async apply({ current, pending, previous }, ctx) {
      sameTransport(current, pending, ctx.secretName);
      const usable =
        previous && transportOf(previous) === transportOf(current) ? previous : undefined;
      if (transportOf(current) === "ssh") {
        await overSsh.apply(
          {
            current: current as SshValue,
            pending: pending as SshValue,
            previous: usable as SshValue | undefined,
          },
          ctx,
        );
      } else {
        await overCloudAssistant.apply(
          {
            current: current as CaValue,
            pending: pending as CaValue,
            previous: usable as CaValue | undefined,
          },
          ctx,
        );
      }
    },
    test(v, ctx) {
      return transportOf(v) === "ssh"
        ? overSsh.test(v as SshValue, ctx)
        : overCloudAssistant.test(v as CaValue, ctx);
    },
    async finish({ current, pending, previous }, ctx) {
      sameTransport(current, pending, ctx.secretName);
      const usable =
        previous && transportOf(previous) === transportOf(current) ? previous : undefined;
      if (transportOf(current) === "ssh") {
        await overSsh.finish?.(
          {
            current: current as SshValue,
            pending: pending as SshValue,
            previous: usable as SshValue | undefined,
          },
          ctx,
        );
      } else {
        await overCloudAssistant.finish?.(
          {
            current: current as CaValue,
            pending: pending as CaValue,
            previous: usable as CaValue | undefined,
          },
          ctx,
        );
      }
    },
    async revoke({ revoked, current }, ctx) {
      if (transportOf(revoked) !== transportOf(current)) return; // the leaked value was on another route: nothing of it is here
      if (transportOf(current) === "ssh") {
        await overSsh.revoke?.({ revoked: revoked as SshValue, current: current as SshValue }, ctx);
      } else {
        await overCloudAssistant.revoke?.(
          { revoked: revoked as CaValue, current: current as CaValue },
          ctx,
        );
      }
    },
  };
}
