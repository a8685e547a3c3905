/**
 * RAM and STS clients that call as the current invocation's identity (see
 * src/core/functions/invocation-credentials.ts): the function role's keys on FC,
 * the standard Alibaba credential chain elsewhere.
 */
import { RamClient, StsClient } from "@rotor/cloud-api";
import { invocationCredentials } from "../../functions/invocation-credentials.ts";
import type { RamAccessKeyClients } from "./ram-access-key-clients.ts";

export function invocationClients(): RamAccessKeyClients {
  return {
    ram: () => new RamClient({ credentials: invocationCredentials() }),
    stsAs: (credentials) => new StsClient({ credentials, retry: { attempts: 1 } }),
  };
}
