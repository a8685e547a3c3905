/**
 * The RAM and STS clients the rotator uses, as one dependency: by default
 * the rotation context's cloud (ctx.cloud, the invocation's identity);
 * a caller that needs others (a test calling as a narrower identity)
 * passes its own.
 */
import type { AccessKeyCredentials, RamClient, StsClient } from "@rotor/cloud-api";
import type { RotatorCloud } from "../../contract/rotator-cloud.ts";

export interface RamAccessKeyClients {
  /** RAM as the rotation function's identity (needs ram:*AccessKey* on the user). */
  ram(): RamClient;
  /** STS signed with the given key: the new key's proof of life. */
  stsAs(credentials: AccessKeyCredentials): StsClient;
}

/** The rotator's clients from the invocation's cloud. */
export function ramAccessKeyClientsOf(cloud: RotatorCloud): RamAccessKeyClients {
  return {
    ram: () => cloud.ram(),
    // One attempt: a key STS refuses is an answer (the proof tries the next key), not a fault.
    stsAs: (credentials) => cloud.sts({ credentials, retry: { attempts: 1 } }),
  };
}
