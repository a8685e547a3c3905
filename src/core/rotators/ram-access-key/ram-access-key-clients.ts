/**
 * The RAM and STS clients the rotator uses, as one dependency: the
 * function's entry point passes clients that call as the invocation's
 * role (ram-access-key-invocation.ts); tests pass clients pointed at a
 * local cloud.
 */
import type { AccessKeyCredentials, RamClient, StsClient } from "@rotor/cloud-api";

export interface RamAccessKeyClients {
  /** RAM as the rotation function's identity (needs ram:*AccessKey* on the user). */
  ram(): RamClient;
  /** STS signed with the given key: the new key's proof of life. */
  stsAs(credentials: AccessKeyCredentials): StsClient;
}
