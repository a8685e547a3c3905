import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler as rotateEcsPassword } from "../../../../functions/rotate-ecs-password/index.ts";
import { handler as rotateEcsSshKey } from "../../../../functions/rotate-ecs-ssh-key/index.ts";
import type { FcContext } from "../../../../src/core/functions/fc-context.ts";
import { sshdSkipReason } from "../../../support/sshd.ts";
import { installKey, useEcsRotationWorld } from "./ecs-rotation-setup.ts";

// The deployable functions themselves, invoked the way FC invokes them: a
// Buffer event and a context carrying the function role's keys.
describe.skipIf(sshdSkipReason())("the ECS rotation functions", () => {
  const world = useEcsRotationWorld();
  let endpointBefore: string | undefined;
  beforeAll(() => {
    endpointBefore = process.env.ROTOR_ENDPOINT;
    process.env.ROTOR_ENDPOINT = world().cloud.endpoint;
  });
  afterAll(() => {
    if (endpointBefore === undefined) delete process.env.ROTOR_ENDPOINT;
    else process.env.ROTOR_ENDPOINT = endpointBefore;
  });

  const context = (name: string): FcContext => ({
    requestId: randomUUID(),
    credentials: { ...world().cloud.credentials },
    function: { name, handler: "index.handler", memory: 256, timeout: 120 },
    region: world().cloud.region,
  });
  const event = (secretName: string) => Buffer.from(JSON.stringify({ SecretName: secretName }));

  it("rotate-ecs-password changes the password on the server", async () => {
    // Prepare
    const w = world();
    const [admin, user] = await Promise.all([
      w.sshd.createUser({ privileged: true }),
      w.sshd.createUser(),
    ]);
    const adminSecret = await w.createSecret("admin", {
      UserName: admin.name,
      Password: admin.password,
    });
    const secretName = await w.createSecret("ecs-password", {
      UserName: user.name,
      Password: user.password,
      privilegedSecret: adminSecret,
    });
    // Act
    const response = await rotateEcsPassword(event(secretName), context("rotate-ecs-password"));
    // Assess
    expect(response).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    const current = await w.valueAt(secretName, "ACSCurrent");
    expect(await w.canLogIn(user.name, { password: current.Password as string })).toBe(true);
  }, 120_000);

  it("rotate-ecs-ssh-key puts a new key on the server", async () => {
    // Prepare: a user logging in with a key, which a privileged login rotates
    const w = world();
    const [admin, user] = await Promise.all([
      w.sshd.createUser({ privileged: true }),
      w.sshd.createUser(),
    ]);
    const adminSecret = await w.createSecret("admin", {
      UserName: admin.name,
      Password: admin.password,
    });
    const { generateSshKeyPair } = await import(
      "../../../../src/core/rotators/ecs/ecs-key-pair.ts"
    );
    const initial = await generateSshKeyPair("ed25519", "first");
    await installKey(user, initial.publicKey);
    const secretName = await w.createSecret("ecs-ssh-key", {
      UserName: user.name,
      PublicKey: initial.publicKey,
      PrivateKey: initial.privateKey,
      privilegedSecret: adminSecret,
    });
    // Act
    const response = await rotateEcsSshKey(event(secretName), context("rotate-ecs-ssh-key"));
    // Assess
    expect(response).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    const current = await w.valueAt(secretName, "ACSCurrent");
    expect(await w.canLogIn(user.name, { privateKey: current.PrivateKey as string })).toBe(true);
  }, 120_000);
});
