/**
 * The RAM and STS clients the rotator uses. By default they are built the
 * way every Rotor client is (ROTOR_ENDPOINT or the public endpoints, and
 * the standard Alibaba credential chain, which on Function Compute reads the
 * function role's keys from the environment); the function's entry point
 * and tests pass their own.
 */
import type { AccessKeyCredentials } from "../../clients/credentials.ts";
import { RamClient } from "../../clients/ram-client.ts";
import { StsClient } from "../../clients/sts-client.ts";

export interface RamAccessKeyClients {
  /** RAM as the rotation function's identity (needs ram:*AccessKey* on the user). */
  ram(): RamClient;
  /** STS signed with the given key: the new key's proof of life. */
  stsAs(credentials: AccessKeyCredentials): StsClient;
}

export function defaultRamAccessKeyClients(
  options: { endpoint?: string; region?: string; credentials?: AccessKeyCredentials } = {},
): RamAccessKeyClients {
  let ram: RamClient | undefined;
  return {
    ram: () => {
      ram ??= new RamClient(options);
      return ram;
    },
    // A fresh key may not be known everywhere yet: no client retries, testSecret's own backoff decides.
    stsAs: (credentials) => new StsClient({ ...options, credentials, retry: { attempts: 1 } }),
  };
}
