/**
 * RAM and STS clients that call as the current invocation's identity. FC
 * hands a function its role's keys in `context.credentials`, per
 * invocation; one instance may serve several invocations at once, so the
 * keys travel in AsyncLocalStorage rather than in a shared variable.
 * Without keys (a function with no role, `rotor rotate` on a laptop) the
 * standard Alibaba credential chain applies.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { AccessKeyCredentials } from "../../clients/credentials.ts";
import { RamClient } from "../../clients/ram-client.ts";
import { StsClient } from "../../clients/sts-client.ts";
import type { RamAccessKeyClients } from "./ram-access-key-clients.ts";

const invocation = new AsyncLocalStorage<AccessKeyCredentials | undefined>();

/** Runs `work` with `credentials` as the identity of the clients below. */
export function withInvocationCredentials<T>(
  credentials: AccessKeyCredentials | undefined,
  work: () => T,
): T {
  return invocation.run(credentials, work);
}

export function invocationClients(): RamAccessKeyClients {
  return {
    ram: () => new RamClient({ credentials: invocation.getStore() }),
    stsAs: (credentials) => new StsClient({ credentials, retry: { attempts: 1 } }),
  };
}
