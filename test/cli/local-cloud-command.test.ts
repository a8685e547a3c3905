/**
 * `rotor local-cloud` as users run it (src/cli/bin/rotor.mjs in a child process)
 * serves the built-in functions as Function Compute would, each running as
 * its own role with its template's policy, and the RDS and ECS instances its
 * config file or flags register. Against it the functions run through
 * `rotor invoke` and through the FC SDK client (src/core/scheduler/fc-client.ts):
 * the scheduler fans a due secret out to the served rotate-generic, and
 * fails (exit code, error result, notification) when its fan-out does; an
 * RDS rotation on a real MariaDB and a Cloud Assistant rotation on a real
 * sshd go through the served rotate-mysql and rotate-ecs-password.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { RdsClient } from "../../src/cloud-api/rds-client.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import { mariaDbBacking, type RdsBackingServer } from "../local-cloud/rds/rds-backing-servers.ts";
import { type CliCloud, readAccount, startCliCloud } from "../local-cloud/support/cli-cloud.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import {
  type NotificationReceiver,
  startNotificationReceiver,
} from "../support/notification-receiver.ts";
import { type SshdServer, sshdSkipReason, startSshd } from "../support/sshd.ts";
import { type SshdLoginCheck, sshdLoginCheck } from "../support/sshd-login-check.ts";

const ROTOR_BIN = resolve(import.meta.dirname, "../../src/cli/bin/rotor.mjs");
const BUILT_IN_FUNCTIONS = [
  "rotate-generic",
  "rotate-mysql",
  "rotate-postgres",
  "rotate-redis",
  "rotate-ram-access-key",
  "rotate-ecs-password",
  "rotate-ecs-ssh-key",
  "on-failure",
  "scheduler",
];
const TIMER_EVENT = { triggerTime: "2024-06-01T00:00:00Z", triggerName: "t", payload: "" };

interface Keys {
  accessKeyId: string;
  accessKeySecret: string;
}

/** A `rotor local-cloud` child process with its state folder, and clients for it. */
interface ServedCloud {
  cli: CliCloud;
  root: Keys;
  kms: KmsClient;
  ram: RamClient;
  /** The FC SDK client the project uses, as root; long enough for a rotation. */
  fc: FcClient;
  /** `rotor <args>` in a child process against this cloud, as root unless `env` says otherwise. */
  rotor(args: string[], env?: Record<string, string>): Promise<RotorRun>;
  stop(): Promise<void>;
}

interface RotorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function startServedCloud(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ServedCloud> {
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-cli-cloud-"));
  let cli: CliCloud;
  try {
    cli = await startCliCloud(stateDir, args, env);
  } catch (error) {
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
  const account = await readAccount(stateDir);
  const root = { accessKeyId: account.accessKeyId, accessKeySecret: account.accessKeySecret };
  const clientOptions = { endpoint: cli.endpoint, credentials: root };
  return {
    cli,
    root,
    kms: new KmsClient(clientOptions),
    ram: new RamClient(clientOptions),
    fc: new FcClient({ ...clientOptions, timeoutMs: 120_000 }),
    rotor: (rotorArgs, extra = {}) =>
      runRotor(rotorArgs, {
        ROTOR_ENDPOINT: cli.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: root.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: root.accessKeySecret,
        ...extra,
      }),
    async stop() {
      await cli.stop("SIGTERM");
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Runs `rotor <args>` as a user would, with only PATH and `env` in its environment. */
function runRotor(args: string[], env: Record<string, string>): Promise<RotorRun> {
  const child = spawn(process.execPath, [ROTOR_BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  return new Promise((done) => child.once("close", (code) => done({ code, stdout, stderr })));
}

/** Polls `check` until it holds; the error names `what` (no timing is asserted). */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`never happened: ${what}`);
}

/** Waits until a new minute has begun after `instant`: a `* * * * *` window then opens after it. */
async function untilNextMinute(instant: number): Promise<void> {
  const next = Math.floor(instant / 60_000) * 60_000 + 60_000;
  const wait = next - Date.now() + 250;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** The ACSCurrent version id of a secret. */
async function currentVersion(kms: KmsClient, secretName: string): Promise<string> {
  return (await kms.getSecretValue({ secretName })).versionId;
}

describe("rotor local-cloud refusing a bad setup before it starts", () => {
  let configDir: string;
  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), "rotor-cli-config-"));
  });
  afterAll(() => rm(configDir, { recursive: true, force: true }));

  /** `rotor local-cloud <args>` in this process: each case is refused before a server starts. */
  async function refused(args: string[], env: Record<string, string> = {}) {
    const err: string[] = [];
    const code = await main(["local-cloud", "--port", "0", "--state", configDir, ...args], {
      out: () => {},
      err: (line) => err.push(line),
      env,
    });
    return { code, err: err.join("\n") };
  }

  async function configFile(content: unknown): Promise<string> {
    const path = join(configDir, `${randomUUID()}.json`);
    await writeFile(path, JSON.stringify(content), { mode: 0o600 });
    return path;
  }

  it("a password in an instance URL, without repeating it", async () => {
    const result = await refused([
      "--rds-instance",
      "rm-1=mysql://root:pass-in-url-9f2c@127.0.0.1:3306",
    ]);

    expect(result.code).toBe(2);
    expect(result.err).toContain("--rds-instance rm-1: the URL holds a password");
    expect(result.err).toContain("password-env=VAR");
    expect(result.err).not.toContain("pass-in-url-9f2c");
  });

  it("an instance whose password variable is not set, an ECS instance without its host key", async () => {
    const unset = await refused([
      "--rds-instance",
      "rm-1=mariadb://root@127.0.0.1:3306?password-env=NOT_SET_ANYWHERE",
    ]);
    const noHostKey = await refused(
      ["--ecs-instance", "i-1=ssh://root@127.0.0.1:22?password-env=AGENT"],
      { AGENT: "agent-password" },
    );

    expect(unset).toMatchObject({ code: 2 });
    expect(unset.err).toContain("password-env names NOT_SET_ANYWHERE, which is not set");
    expect(noHostKey).toMatchObject({ code: 2 });
    expect(noHostKey.err).toContain("--ecs-instance i-1: host-key=SHA256:… is required");
  });

  it("a config file with a field of the wrong type or unknown, naming the field", async () => {
    const wrongType = await refused([
      "--config",
      await configFile({
        rdsInstances: {
          "rm-1": {
            engine: "MySQL",
            host: "127.0.0.1",
            port: "3306",
            adminUser: "root",
            adminPassword: "admin-password-5d1e",
          },
        },
      }),
    ]);
    const unknown = await refused(["--config", await configFile({ rdsInstance: {} })]);
    const broken = join(configDir, `${randomUUID()}.json`);
    await writeFile(broken, '{"rdsInstances": {"rm-1": {"adminPassword": unquoted-8c3e}}}', {
      mode: 0o600,
    });
    const notJson = await refused(["--config", broken]);

    expect(wrongType.code).toBe(2);
    expect(wrongType.err).toContain("rdsInstances.rm-1.port");
    expect(wrongType.err).not.toContain("admin-password-5d1e");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown field(s) rdsInstance");
    expect(notJson.code).toBe(2);
    expect(notJson.err).toContain("not valid JSON");
    expect(notJson.err).not.toContain("unquoted-8c3e");
  });

  it("an environment for a function that is not built in, or with functions turned off", async () => {
    const notBuiltIn = await refused(["--function-env", "rotate-nothing:ROTOR_X=1"]);
    const reserved = await refused(["--function-env", "rotate-mysql:FC_REGION=cn-beijing"]);
    const turnedOff = await refused([
      "--no-functions",
      "--function-env",
      "rotate-mysql:ROTOR_RDS_INSTANCES=rm-1",
    ]);

    expect(notBuiltIn.code).toBe(2);
    expect(notBuiltIn.err).toContain('no built-in function "rotate-nothing"');
    expect(reserved.code).toBe(2);
    expect(reserved.err).toContain("FC reserves the FC_ prefix");
    expect(turnedOff.code).toBe(2);
    expect(turnedOff.err).toContain("--no-functions serves none");
  });

  it("warns that others can read a config file holding passwords", async () => {
    const path = await configFile({
      rdsInstances: {
        "rm-1": {
          engine: "MySQL",
          host: "127.0.0.1",
          port: 3306,
          adminUser: "root",
          adminPassword: "admin-password-0b7f",
        },
      },
      functions: { "rotate-mysql": { environment: { ROTOR_RDS_INSTANCES: "rm-1" } } },
    });
    await chmod(path, 0o644);

    // Refused for --no-functions, after the setup was read.
    const result = await refused(["--config", path, "--no-functions"]);

    expect(result.err).toContain(`warning: ${path} holds passwords and others can read it`);
    expect(result.err).not.toContain("admin-password-0b7f");
  });
});

describe("rotor local-cloud serving the built-in functions", { timeout: 120_000 }, () => {
  let cloud: ServedCloud;
  let receiver: NotificationReceiver;
  let configDir: string;
  /** Scheduled secrets (a window every minute), created disabled; each test enables its own. */
  const scheduled: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await startNotificationReceiver();
    configDir = await mkdtemp(join(tmpdir(), "rotor-cli-config-"));
    const notify = { ROTOR_NOTIFY_URL: receiver.url, ROTOR_NOTIFY_FORMAT: "generic" };
    const configFile = join(configDir, "local-cloud.json");
    await writeFile(
      configFile,
      JSON.stringify({
        functions: { scheduler: { environment: notify }, "on-failure": { environment: notify } },
      }),
      { mode: 0o600 },
    );
    cloud = await startServedCloud(["--config", configFile]);
    const secrets: [string, Record<string, string>][] = [
      ["rotated-by-invoke", {}],
      ["rotated-by-fc", {}],
      ["unreachable-fc", {}],
      ["unknown-function", { "rotor:function": "rotate-nowhere" }],
      ["forbidden-function", { "rotor:function": "admin-tool" }],
    ];
    for (const [key, tags] of secrets) {
      const secretName = `rotor/generic/cli/${key}-${randomUUID().slice(0, 8)}`;
      await cloud.kms.createSecret({
        secretName,
        secretData: `initial-${randomUUID()}`,
        versionId: "v1",
        tags: Object.entries({
          "rotor:rotator": "generic",
          "rotor:schedule": "* * * * *",
          "rotor:enabled": "false",
          ...tags,
        }).map(([tagKey, value]) => ({ key: tagKey, value })),
      });
      scheduled[key] = secretName;
    }
    // From the next minute on, a window has opened since their creation: they are due once enabled.
    await untilNextMinute(Date.now());
  }, 180_000);
  afterAll(async () => {
    await cloud?.stop();
    await receiver?.close();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  /** Makes the secret due (its window opens every minute) for the duration of `work`. */
  async function whileDue<T>(key: string, work: (secretName: string) => Promise<T>): Promise<T> {
    const secretName = scheduled[key] as string;
    await cloud.kms.tagResource({ secretName, tags: [{ key: "rotor:enabled", value: "true" }] });
    try {
      return await work(secretName);
    } finally {
      await cloud.kms.tagResource({ secretName, tags: [{ key: "rotor:enabled", value: "false" }] });
    }
  }

  it("serves every built-in function, each as its own role holding its template's policy", async () => {
    // Prepare
    const mine = `rotor/generic/cli/direct-${randomUUID().slice(0, 8)}`;
    const outside = `other/cli/direct-${randomUUID().slice(0, 8)}`;
    for (const secretName of [mine, outside]) {
      await cloud.kms.createSecret({
        secretName,
        secretData: `initial-${randomUUID()}`,
        versionId: "v1",
        tags: [{ key: "rotor:rotator", value: "generic" }],
      });
    }

    // Act
    const output = JSON.parse(await cloud.fc.invokeSync("rotate-generic", { SecretName: mine }));
    const refused = await cloud.fc.invokeSync("rotate-generic", { SecretName: outside }).then(
      () => undefined,
      (error: { code?: string }) => error.code,
    );

    // Assess
    expect(output).toMatchObject({ SecretName: mine, Outcome: "rotated" });
    expect(await currentVersion(cloud.kms, mine)).not.toBe("v1");
    // The template policy grants secrets under rotor/generic/ only: the function ran as its role.
    expect(refused).toBe("UnhandledInvocationError");
    expect(await currentVersion(cloud.kms, outside)).toBe("v1");
    const startup = cloud.cli.startupLines.join("\n");
    for (const name of BUILT_IN_FUNCTIONS) {
      expect(startup).toContain(name);
      const role = await cloud.ram.getRole({ roleName: `rotor-${name}` });
      expect(JSON.parse(role.assumeRolePolicyDocument)).toMatchObject({
        Statement: [{ Principal: { Service: ["fc.aliyuncs.com"] } }],
      });
      const policies = await cloud.ram.listPoliciesForRole({ roleName: `rotor-${name}` });
      expect(policies.map((policy) => policy.policyName)).toEqual([
        expect.stringMatching(new RegExp(`^rotor-${name}-[0-9a-f]{8}$`)),
      ]);
    }
  });

  it("rotor invoke scheduler rotates a due secret through the served rotate-generic", async () => {
    await whileDue("rotated-by-invoke", async (secretName) => {
      // Act
      const run = await cloud.rotor([
        "invoke",
        "scheduler",
        "--event",
        JSON.stringify(TIMER_EVENT),
      ]);

      // Assess
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "")).toMatchObject({
        invoked: 1,
        failed: [],
      });
      await eventually(`${secretName} rotated`, async () => {
        return (await currentVersion(cloud.kms, secretName)) !== "v1";
      });
      const { versions } = await cloud.kms.listSecretVersionIds({ secretName });
      expect(versions.find((version) => version.versionId === "v1")?.versionStages).toEqual([
        "ACSPrevious",
      ]);
    });
  });

  it("the served scheduler, invoked through the FC SDK, rotates a due secret", async () => {
    await whileDue("rotated-by-fc", async (secretName) => {
      // Act
      const summary = JSON.parse(await cloud.fc.invokeSync("scheduler", TIMER_EVENT));

      // Assess
      expect(summary).toMatchObject({ due: 1, requested: 1, invoked: 1, failed: [] });
      await eventually(`${secretName} rotated`, async () => {
        return (await currentVersion(cloud.kms, secretName)) !== "v1";
      });
    });
  });

  it("a run whose secret names an unknown function fails: exit 1, an error result, one notification", async () => {
    const notified = receiver.received.length;
    await whileDue("unknown-function", async (secretName) => {
      // Act
      const run = await cloud.rotor([
        "invoke",
        "scheduler",
        "--event",
        JSON.stringify(TIMER_EVENT),
      ]);
      const served = await cloud.fc.invokeSync("scheduler", TIMER_EVENT).then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${secretName} → rotate-nowhere: FunctionNotFound`);
      expect(served).toBe("UnhandledInvocationError");
      await receiver.waitFor(notified + 1);
      expect(receiver.received).toHaveLength(notified + 1);
      expect(receiver.received.at(-1)).toMatchObject({
        event: "scheduler_failed",
        functionName: "scheduler",
        failed: [{ secretName, functionName: "rotate-nowhere" }],
      });
    });
  });

  it("a run that may not invoke a secret's function fails, as the served scheduler and as a RAM user", async () => {
    // Prepare: an operator holding exactly the policy the served scheduler's role holds.
    const [schedulerPolicy] = await cloud.ram.listPoliciesForRole({ roleName: "rotor-scheduler" });
    const userName = `operator-${randomUUID().slice(0, 8)}`;
    await cloud.ram.createUser({ userName });
    await cloud.ram.attachPolicyToUser({
      userName,
      policyName: schedulerPolicy?.policyName ?? "missing",
    });
    const key = await cloud.ram.createAccessKey({ userName });
    const notified = receiver.received.length;

    await whileDue("forbidden-function", async (secretName) => {
      // Act
      const served = await cloud.fc.invokeSync("scheduler", TIMER_EVENT).then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
      const run = await cloud.rotor(
        ["invoke", "scheduler", "--event", JSON.stringify(TIMER_EVENT)],
        {
          ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret,
        },
      );

      // Assess
      expect(served).toBe("UnhandledInvocationError");
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${secretName} → admin-tool: Forbidden.NoPermission`);
      await receiver.waitFor(notified + 1);
      expect(JSON.stringify(receiver.received.at(-1))).toContain(secretName);
    });
  });

  it("a run whose every request fails fails too, even when FC merely did not answer", async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    await whileDue("unreachable-fc", async (secretName) => {
      // Act
      const run = await cloud.rotor(
        ["invoke", "scheduler", "--event", JSON.stringify(TIMER_EVENT)],
        { ROTOR_ENDPOINT_FC: unreachable },
      );

      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("could not request 1 of 1 invocations (every request failed)");
      expect(run.stderr).toContain(secretName);
      expect(await currentVersion(cloud.kms, secretName)).toBe("v1");
    });
  });
});

describe.skipIf(skipUnlessMariaDb())(
  "rotor local-cloud with an RDS instance from its config file",
  () => {
    const instanceId = "rm-cli01";
    let mariaDb: RunningMariaDb;
    let backing: RdsBackingServer;
    let cloud: ServedCloud;
    let configDir: string;

    beforeAll(async () => {
      mariaDb = await startMariaDb();
      backing = mariaDbBacking(mariaDb);
      configDir = await mkdtemp(join(tmpdir(), "rotor-cli-config-"));
      const configFile = join(configDir, "local-cloud.json");
      await writeFile(
        configFile,
        JSON.stringify({
          rdsInstances: { [instanceId]: backing.instance },
          functions: { "rotate-mysql": { environment: { ROTOR_RDS_INSTANCES: instanceId } } },
        }),
        { mode: 0o600 },
      );
      cloud = await startServedCloud(["--config", configFile]);
    }, 180_000);
    afterAll(async () => {
      await cloud?.stop();
      await mariaDb?.stop();
      if (configDir) await rm(configDir, { recursive: true, force: true });
    });

    it("rotates an RDS account through the served rotate-mysql, by the FC SDK and by rotor invoke", async () => {
      // Prepare: an application account made the RDS way, with ReadWrite on its database.
      const rds = new RdsClient({ endpoint: cloud.cli.endpoint, credentials: cloud.root });
      const database = await backing.createDatabase();
      const accountName = `app_${randomUUID().slice(0, 8)}`;
      const accountPassword = `Rds-${randomUUID().slice(0, 12)}A`;
      await rds.createAccount({ dbInstanceId: instanceId, accountName, accountPassword });
      await rds.grantAccountPrivilege({
        dbInstanceId: instanceId,
        accountName,
        grants: [{ dbName: database, privilege: "ReadWrite" }],
      });
      const secretName = `rotor/mysql/${accountName}`;
      await cloud.kms.createSecret({
        secretName,
        versionId: "v1",
        secretData: JSON.stringify({
          AccountName: accountName,
          AccountPassword: accountPassword,
          engine: "mysql",
          host: mariaDb.host,
          port: mariaDb.port,
          database,
          DBInstanceId: instanceId,
          mode: "dual",
        }),
        tags: [{ key: "rotor:rotator", value: "mysql" }],
      });
      const current = async () =>
        JSON.parse((await cloud.kms.getSecretValue({ secretName })).secretData) as {
          AccountName: string;
          AccountPassword: string;
        };

      // Act
      const byFc = JSON.parse(
        await cloud.fc.invokeSync("rotate-mysql", { SecretName: secretName }),
      );
      const afterFc = await current();
      const byInvoke = await cloud.rotor(
        ["invoke", "rotate-mysql", "--event", JSON.stringify({ SecretName: secretName })],
        { ROTOR_RDS_INSTANCES: instanceId },
      );
      const afterInvoke = await current();

      // Assess
      expect(byFc).toMatchObject({ Outcome: "rotated" });
      expect(afterFc.AccountName).toBe(`${accountName}_rt`);
      expect(await backing.canLogin(afterFc.AccountName, afterFc.AccountPassword, database)).toBe(
        true,
      );
      expect(byInvoke.code).toBe(0);
      expect(afterInvoke.AccountName).toBe(accountName);
      expect(afterInvoke.AccountPassword).not.toBe(accountPassword);
      expect(await backing.canLogin(accountName, afterInvoke.AccountPassword, database)).toBe(true);
      expect(await backing.canLogin(accountName, accountPassword, database)).toBe(false);
      const { accounts } = await rds.describeAccounts({ dbInstanceId: instanceId });
      expect(accounts.map((account) => account.accountName).sort()).toEqual(
        [accountName, `${accountName}_rt`].sort(),
      );
    }, 120_000);
  },
);

describe.skipIf(sshdSkipReason())("rotor local-cloud with an ECS instance from its flags", () => {
  const instanceId = "i-cli01";
  let sshd: SshdServer;
  let canLogIn: SshdLoginCheck;
  let cloud: ServedCloud;

  beforeAll(async () => {
    sshd = await startSshd();
    canLogIn = sshdLoginCheck(sshd);
    // The account the local Cloud Assistant runs commands as: uid 0, as the agent runs as root.
    const agent = await sshd.createUser({ privileged: true });
    cloud = await startServedCloud(
      [
        "--ecs-instance",
        `${instanceId}=ssh://${agent.name}@${sshd.host}:${sshd.port}?host-key=${sshd.hostKeyFingerprint}&password-env=AGENT_PASSWORD`,
        "--function-env",
        `rotate-ecs-password:ROTOR_ECS_INSTANCES=${instanceId}`,
      ],
      { AGENT_PASSWORD: agent.password },
    );
  }, 120_000);
  afterAll(async () => {
    await cloud?.stop();
    await sshd?.stop();
  });

  it("rotates a login's password through Cloud Assistant, by the FC SDK and by rotor invoke", async () => {
    // Prepare
    const user = await sshd.createUser();
    const secretName = `rotor/ecs-password/${user.name}`;
    await cloud.kms.createSecret({
      secretName,
      versionId: "v1",
      secretData: JSON.stringify({
        UserName: user.name,
        Password: user.password,
        InstanceId: instanceId,
        RegionId: "cn-hangzhou",
      }),
      tags: [{ key: "rotor:rotator", value: "ecs-password" }],
    });
    const currentPassword = async () =>
      (
        JSON.parse((await cloud.kms.getSecretValue({ secretName })).secretData) as {
          Password: string;
        }
      ).Password;

    // Act
    const byFc = JSON.parse(
      await cloud.fc.invokeSync("rotate-ecs-password", { SecretName: secretName }),
    );
    const afterFc = await currentPassword();
    const byInvoke = await cloud.rotor(
      ["invoke", "rotate-ecs-password", "--event", JSON.stringify({ SecretName: secretName })],
      { ROTOR_ECS_INSTANCES: instanceId },
    );
    const afterInvoke = await currentPassword();

    // Assess
    expect(byFc).toMatchObject({ Outcome: "rotated" });
    expect(byInvoke.code).toBe(0);
    expect(new Set([user.password, afterFc, afterInvoke]).size).toBe(3);
    expect(await canLogIn(user.name, { password: afterInvoke })).toBe(true);
    expect(await canLogIn(user.name, { password: afterFc })).toBe(false);
    expect(await canLogIn(user.name, { password: user.password })).toBe(false);
    expect(cloud.cli.startupLines.join("\n")).toContain(instanceId);
  }, 120_000);
});
