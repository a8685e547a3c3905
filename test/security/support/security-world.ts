/**
 * The stage for the trust-boundary tests: a local cloud, an attacker who
 * holds exactly the RAM rights the test gives it, Rotor's functions
 * deployed either as the templates' roles (templates/<function>/policy.json)
 * or with the account's root credentials, each with the environment its
 * deployer chose, and a notification endpoint that records what the
 * on-failure function announces.
 *
 * The functions run in this process, so each deployment sets every Rotor
 * variable these tests use (unset ones to ""): one function's environment
 * cannot leak into the next one's invocation.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { REPO_ROOT } from "../../../scripts/build/bundle-functions.ts";
import { KmsClient, type VersionSummary } from "../../../src/cloud-api/kms-client.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import { functionModule } from "../../../src/local-cloud/fc/local-function.ts";
import {
  deployAsRole,
  type PolicyDocument,
  templateJson,
} from "../../deploy/support/policy-proof.ts";
import { type AllowStatement, accessKeyAllowedOnly } from "../../support/ram-user-key.ts";

/** Who the functions run as: the templates' least-privilege roles, or the broadest credentials. */
export type Credentials = "the templates' roles" | "root credentials";
export const EVERY_CREDENTIALS: Credentials[] = ["the templates' roles", "root credentials"];

/** The deployment variables these tests set; every deployment names them all. */
const ROTOR_VARIABLES = [
  "ROTOR_SECRET_PREFIXES",
  "ROTOR_MASTER_SECRET_PREFIXES",
  "ROTOR_WEBHOOK_ORIGINS",
  "ROTOR_WEBHOOK_CA",
  "ROTOR_PASSWORD_MIN_LENGTH",
  "ROTOR_PASSWORD_MIN_CLASSES",
  "ROTOR_MAX_LEASE",
  "ROTOR_MIN_GRACE_PERIOD",
] as const;

export type RotorVariables = Partial<Record<(typeof ROTOR_VARIABLES)[number], string>>;

/** A message on the notification webhook: a failed rotation, or tags that weakened one. */
export interface Notice {
  event: "rotation_failed" | "rotation_weakened_by_tags";
  secretName: string;
  /** A failure's error. */
  error?: string;
  /** The weakening tags reported. */
  weakenings?: { tag: string; value: string; effect: string }[];
}

export interface SecretState {
  versionId: string;
  data: string;
  versions: VersionSummary[];
  tags: Record<string, string>;
}

export interface SecurityWorld {
  cloud: RunningLocalCloud;
  /** KMS as the account's root: to prepare victims and look at them. */
  kms: KmsClient;
  /** What the on-failure function and the scheduler announced (generic format), in order. */
  notifications: Notice[];
  /** A KMS client for a new RAM user allowed exactly `allow`, and nothing else. */
  attacker(allow: AllowStatement): Promise<KmsClient>;
  /**
   * Deploys functions/<entry> under a new name, as its template's role or
   * with root credentials, with the deployer's environment; a failed
   * asynchronous invocation goes to the on-failure function running as the same.
   */
  deploy(entry: string, credentials: Credentials, variables?: RotorVariables): Promise<string>;
  /** An asynchronous invocation (as the scheduler sends), waited for with FC's retries and onFailure. */
  invokeAsync(functionName: string, event: unknown): Promise<void>;
  /** A synchronous invocation; a function error comes back as the error's message. */
  invoke(
    functionName: string,
    event: unknown,
  ): Promise<{ ok: true } | { ok: false; error: string }>;
  state(secretName: string): Promise<SecretState>;
  close(): Promise<void>;
}

export async function startSecurityWorld(
  options: { now?: () => number } = {},
): Promise<SecurityWorld> {
  const notifications: SecurityWorld["notifications"] = [];
  const notify: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      notifications.push(JSON.parse(body) as Notice);
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => notify.listen(0, "127.0.0.1", resolve));
  const notifyUrl = `http://127.0.0.1:${(notify.address() as AddressInfo).port}/hook`;
  const cloud = await startLocalCloud({ now: options.now });
  const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const fc = new FcClient({
    endpoint: cloud.endpoint,
    credentials: cloud.credentials,
    timeoutMs: 120_000,
  });
  const onFailure = new Map<Credentials, string>();

  const environment = (variables: RotorVariables = {}) => ({
    ROTOR_ENDPOINT: cloud.endpoint,
    ROTOR_NOTIFY_URL: notifyUrl,
    ROTOR_NOTIFY_FORMAT: "generic",
    ...Object.fromEntries(ROTOR_VARIABLES.map((name) => [name, variables[name] ?? ""])),
  });

  const deployAs = async (
    entry: string,
    functionName: string,
    credentials: Credentials,
    variables: RotorVariables,
    async: { maxRetries: number; onFailure?: string } | undefined,
  ) => {
    if (credentials === "the templates' roles") {
      const policy = await templateJson<PolicyDocument>(`${entry}/policy.json`);
      await deployAsRole(cloud, {
        entry,
        functionName,
        policy,
        environment: environment(variables),
        async,
      });
      return;
    }
    cloud.fc.deploy({
      name: functionName,
      timeoutSeconds: 60,
      environment: environment(variables),
      async,
      retryDelayMs: () => 10,
      handler: functionModule(join(REPO_ROOT, "functions", entry, "index.ts")),
    });
  };

  const onFailureFor = async (credentials: Credentials): Promise<string> => {
    let name = onFailure.get(credentials);
    if (name === undefined) {
      name = `on-failure-${randomUUID().slice(0, 8)}`;
      await deployAs("on-failure", name, credentials, {}, undefined);
      onFailure.set(credentials, name);
    }
    return name;
  };

  return {
    cloud,
    kms,
    notifications,
    async attacker(allow) {
      const keys = await accessKeyAllowedOnly(cloud, "attacker", allow);
      return new KmsClient({
        endpoint: cloud.endpoint,
        credentials: keys,
        retry: { attempts: 1 },
      });
    },
    async deploy(entry, credentials, variables = {}) {
      const functionName = `${entry}-${randomUUID().slice(0, 8)}`;
      await deployAs(entry, functionName, credentials, variables, {
        maxRetries: 0,
        onFailure: await onFailureFor(credentials),
      });
      return functionName;
    },
    async invokeAsync(functionName, event) {
      await fc.invokeAsync(functionName, event);
      await cloud.fc.idle();
      await cloud.fc.idle();
    },
    async invoke(functionName, event) {
      const before = cloud.fc.invocations().length;
      try {
        await fc.invokeSync(functionName, event);
        return { ok: true };
      } catch {
        return { ok: false, error: cloud.fc.invocations()[before]?.errorMessage ?? "" };
      }
    },
    async state(secretName) {
      const current = await kms.getSecretValue({ secretName });
      const { versions } = await kms.listSecretVersionIds({
        secretName,
        includeDeprecated: true,
      });
      const { tags } = await kms.describeSecret({ secretName, fetchTags: true });
      return {
        versionId: current.versionId,
        data: current.secretData,
        versions,
        tags: Object.fromEntries(tags.map((tag) => [tag.key, tag.value])),
      };
    },
    async close() {
      await cloud.close();
      await new Promise((resolve) => notify.close(resolve));
    },
  };
}
