import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EcsClient, FINAL_INVOCATION_STATUSES } from "../../../src/cloud-api/ecs-client.ts";
import { ApiError } from "../../../src/cloud-api/errors.ts";
import { EcsCloudAssistantDeadlineError } from "../../../src/core/rotators/ecs/cloud-assistant/ecs-cloud-assistant-errors.ts";
import { cloudAssistantSession } from "../../../src/core/rotators/ecs/cloud-assistant/ecs-cloud-assistant-session.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../../support/local-cloud.ts";
import { accessKeyAllowedOnly } from "../../support/ram-user-key.ts";
import { type SshdServer, sshdSkipReason, startSshd } from "../../support/sshd.ts";

/** Polls a Describe call until its status is final (a test's own bounded wait). */
async function finished<T extends { status: string }>(describe: () => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const result = await describe();
    if (FINAL_INVOCATION_STATUSES.has(result.status)) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the invocation never finished");
}

describe.skipIf(sshdSkipReason())("local ECS Cloud Assistant over a real sshd", () => {
  let sshd: SshdServer;
  let cloud: TestCloud;
  let ecs: EcsClient;
  let scratch: string;
  const instanceId = uniqueName("i-local");
  /** The same server, recorded with a host key it does not have. */
  const impostorId = uniqueName("i-impostor");
  const logLines: string[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    const agent = await sshd.createUser({ privileged: true });
    cloud = await startTestCloud({
      inMemory: true,
      log: (line) => logLines.push(line),
      ecsInstances: {
        [instanceId]: {
          host: sshd.host,
          port: sshd.port,
          hostKeyFingerprint: sshd.hostKeyFingerprint,
          userName: agent.name,
          password: agent.password,
        },
        [impostorId]: {
          host: sshd.host,
          port: sshd.port,
          hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
          userName: agent.name,
          password: agent.password,
        },
      },
    });
    ecs = new EcsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      region: cloud.region,
      retry: { attempts: 1 },
    });
    scratch = await mkdtemp(join(tmpdir(), "rotor-ecs-sendfile-"));
  }, 120_000);
  afterAll(async () => {
    await Promise.all([sshd?.stop(), cloud?.close()]);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const run = async (script: string, timeoutSeconds?: number) => {
    const { invokeId } = await ecs.runCommand({
      instanceId,
      script,
      ...(timeoutSeconds ? { timeoutSeconds } : {}),
    });
    return finished(() => ecs.describeInvocationResult({ instanceId, invokeId }));
  };

  it("runs a script as root with no stdin and returns its output and exit code", async () => {
    // Act
    const result = await run('id -u; echo "to stderr" >&2; if read line; then echo got-stdin; fi');
    // Assess
    expect(result).toMatchObject({ status: "Success", exitCode: 0, errorCode: "" });
    expect(result.output).toBe("0\nto stderr\n");
  }, 60_000);

  it("reports a non-zero exit as Failed with ExitCodeNonzero and the exit code", async () => {
    // Act
    const result = await run("echo failing; exit 3");
    // Assess
    expect(result).toMatchObject({ status: "Failed", exitCode: 3, errorCode: "ExitCodeNonzero" });
    expect(result.output).toBe("failing\n");
  }, 60_000);

  it("stops a script at its Timeout and reports ExecutionTimeout", async () => {
    // Act: 10 s is the API's smallest Timeout
    const result = await run("sleep 60", 10);
    // Assess
    expect(result).toMatchObject({ status: "Timeout", errorCode: "ExecutionTimeout" });
  }, 90_000);

  it("reports a server with another host key as ClientNotResponse, saying why, running nothing", async () => {
    // Prepare
    const marker = join(scratch, "ran-on-impostor");
    // Act
    const { invokeId } = await ecs.runCommand({
      instanceId: impostorId,
      script: `touch '${marker}'`,
    });
    const result = await finished(() =>
      ecs.describeInvocationResult({ instanceId: impostorId, invokeId }),
    );
    // Assess
    expect(result).toMatchObject({ status: "Error", errorCode: "ClientNotResponse" });
    expect(result.errorInfo).toContain("host-key-mismatch");
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
  }, 60_000);

  it("answers InvalidInstance.NotFound for an instance it does not know, running nothing", async () => {
    // Act
    const error = await ecs
      .runCommand({ instanceId: "i-nowhere", script: "true" })
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("InvalidInstance.NotFound");
    expect((error as ApiError).message).toContain("i-nowhere");
  });

  it("refuses bad parameters with the parameter's name", async () => {
    // Prepare
    const cases: Array<[Record<string, string | number>, string, RegExp]> = [
      [{ Type: "RunBatScript", CommandContent: "true" }, "InvalidParameter", /Type/],
      [{ Type: "RunShellScript" }, "MissingParameter", /CommandContent/],
      [
        { Type: "RunShellScript", CommandContent: "%%%", ContentEncoding: "Base64" },
        "InvalidParameter",
        /CommandContent/,
      ],
      [
        { Type: "RunShellScript", CommandContent: "true", Timeout: 5 },
        "InvalidParameter",
        /Timeout/,
      ],
      [
        { Type: "RunShellScript", CommandContent: "true", Username: "app" },
        "InvalidParameter",
        /Username/,
      ],
    ];
    for (const [params, code, message] of cases) {
      // Act
      const error = await ecs.caller
        .call("RunCommand", { RegionId: cloud.region, "InstanceId.1": instanceId, ...params })
        .catch((e: unknown) => e);
      // Assess
      expect((error as ApiError).code, JSON.stringify(params)).toBe(code);
      expect((error as ApiError).message).toMatch(message);
    }
  });

  it("SendFile writes the file with its mode and owner, refuses to overwrite, and logs no content", async () => {
    // Prepare
    const content = `secret-${uniqueName("content")}\n`;
    const send = async (name: string, overwrite?: boolean) => {
      const { invokeId } = await ecs.sendFile({
        instanceId,
        name,
        targetDir: scratch,
        content,
        fileMode: "0600",
        ...(overwrite === undefined ? {} : { overwrite }),
      });
      return finished(() => ecs.describeSendFileResult({ instanceId, invokeId }));
    };
    // Act
    const first = await send("input");
    const again = await send("input");
    const overwritten = await send("input", true);
    const { invokeId } = await ecs.sendFile({
      instanceId,
      name: "input",
      targetDir: join(scratch, "missing"),
      content,
      fileMode: "0600",
    });
    const noFolder = await finished(() => ecs.describeSendFileResult({ instanceId, invokeId }));
    // Assess
    expect(first.status).toBe("Success");
    expect(again).toMatchObject({ status: "Failed", errorCode: "FileAlreadyExists" });
    expect(overwritten.status).toBe("Success");
    expect(noFolder).toMatchObject({ status: "Failed", errorCode: "DirectoryNotExists" });
    const info = await stat(join(scratch, "input"));
    expect([info.mode & 0o777, info.uid]).toEqual([0o600, 0]);
    expect(await readFile(join(scratch, "input"), "utf8")).toBe(content);
    expect(logLines.join("\n")).not.toContain(content.trim());
  }, 60_000);

  it("gives a clear error when the step's deadline comes before the command ends", async () => {
    // Prepare: a step with two seconds left
    const started = Date.now();
    const session = cloudAssistantSession({
      ecs,
      instanceId,
      clock: { deadline: started + 2_000, now: Date.now },
    });
    // Act
    const error = await session.run("sleep 8").catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(EcsCloudAssistantDeadlineError);
    expect(String(error)).toContain(instanceId);
    expect(String(error)).toMatch(/deadline/);
  }, 60_000);

  it("returns a failed command's exit code and output through the session", async () => {
    // Prepare
    const session = cloudAssistantSession({
      ecs,
      instanceId,
      clock: { deadline: Date.now() + 60_000, now: Date.now },
    });
    // Act
    const result = await session.run("cat; exit 7", "given as a file\n");
    // Assess
    expect(result).toMatchObject({ exitCode: 7, stdout: "given as a file\n" });
  }, 60_000);

  it("checks RAM: ecs:RunCommand and ecs:DescribeInvocationResults on the instance's ARN", async () => {
    // Prepare: a user allowed both actions on this instance only
    const key = await accessKeyAllowedOnly(cloud, "ecs-operator", {
      Action: ["ecs:RunCommand", "ecs:DescribeInvocationResults"],
      Resource: `acs:ecs:${cloud.region}:${cloud.accountId}:instance/${instanceId}`,
    });
    const asUser = new EcsClient({
      endpoint: cloud.endpoint,
      region: cloud.region,
      credentials: key,
      retry: { attempts: 1 },
    });
    // Act
    const { invokeId } = await asUser.runCommand({ instanceId, script: "echo allowed" });
    const result = await finished(() => asUser.describeInvocationResult({ instanceId, invokeId }));
    const otherInstance = await asUser
      .runCommand({ instanceId: "i-other", script: "true" })
      .catch((e: unknown) => e);
    const sendFile = await asUser
      .sendFile({ instanceId, name: "x", targetDir: scratch, content: "x", fileMode: "0600" })
      .catch((e: unknown) => e);
    // Assess
    expect(result.output).toBe("allowed\n");
    expect((otherInstance as ApiError).code).toBe("Forbidden.NoPermission");
    expect((otherInstance as ApiError).message).toContain("instance/i-other");
    expect((sendFile as ApiError).code).toBe("Forbidden.NoPermission");
    expect((sendFile as ApiError).message).toContain("ecs:SendFile");
  }, 60_000);
});
