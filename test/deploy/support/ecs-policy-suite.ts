/**
 * The proof that an ECS rotation function's policy
 * (templates/rotate-ecs-<kind>/policy.json, rendered for one instance as
 * `rotor policy` does) is sufficient and minimal, over both transports the
 * function chooses between: SSH (with a privileged login read from
 * `rotor-privileged/<kind>/`) and Cloud Assistant (RunCommand and SendFile
 * on that instance, with their Describe actions). One suite, run by
 * ecs-password-policy.test.ts and ecs-ssh-key-policy.test.ts for their kind.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateSshKeyPair } from "../../../src/core/rotators/ecs/ecs-key-pair.ts";
import { sshdSkipReason, type TestUser } from "../../support/sshd.ts";
import { type EcsPolicyWorld, type EcsTransport, useEcsPolicyWorld } from "./ecs-policy-world.ts";
import { type InvocationOutcome, invokeForOutcome } from "./invoke-for-outcome.ts";
import {
  actionsARotationCalls,
  actionsOf,
  DENIED,
  renderedPolicy,
  withoutAction,
} from "./policy-proof.ts";

const TRANSPORTS: EcsTransport[] = ["ssh", "cloud-assistant"];
/** Each case rotates on a real sshd, some over both transports: generous. */
const TIMEOUT = 120_000;

/** What differs between the kinds: the credential a secret holds, and how it is proven. */
interface EcsKind {
  kind: "ecs-password" | "ecs-ssh-key";
  /** The other ECS kind, whose secrets this one's role must not read. */
  other: "ecs-password" | "ecs-ssh-key";
  /** The user's first credential, made usable on the server; the fields its secret holds. */
  initial(world: EcsPolicyWorld, user: TestUser): Promise<Record<string, string>>;
  /** The login credential a stored value holds. */
  login(value: Record<string, string>): { password?: string; privateKey?: string };
}

const KINDS: Record<EcsKind["kind"], EcsKind> = {
  "ecs-password": {
    kind: "ecs-password",
    other: "ecs-ssh-key",
    initial: async (_world, user) => ({ Password: user.password }),
    login: (value) => ({ password: value.Password }),
  },
  "ecs-ssh-key": {
    kind: "ecs-ssh-key",
    other: "ecs-password",
    async initial(world, user) {
      const pair = await generateSshKeyPair("ed25519", "installed-by-hand");
      await world.installKey(user, pair.publicKey);
      return { PublicKey: pair.publicKey, PrivateKey: pair.privateKey };
    },
    login: (value) => ({ privateKey: value.PrivateKey }),
  },
};

/** Which transports call an action: Cloud Assistant's own, or KMS (both). */
const transportsCalling = (action: string): EcsTransport[] =>
  action.startsWith("ecs:") ? ["cloud-assistant"] : TRANSPORTS;

export function describeEcsPolicy(kindName: EcsKind["kind"]): void {
  const kind = KINDS[kindName];
  const entry = `rotate-${kind.kind}`;

  describe.skipIf(sshdSkipReason())(`the ${kind.kind} rotator's RAM policy (sshd)`, () => {
    const world = useEcsPolicyWorld();
    const template = () => renderedPolicy(entry, { ROTOR_ECS_INSTANCES: world().instanceId });

    /** A fresh user, its secret over `transport`, and the credential it starts with. */
    async function newSecret(
      transport: EcsTransport,
      options: { secretName?: string; privilegedName?: string; instance?: string } = {},
    ) {
      const w = world();
      const user = await w.sshd.createUser();
      const credential = await kind.initial(w, user);
      const secretName = await w.createSecret({
        kind: kind.kind,
        transport,
        credential,
        user,
        ...options,
      });
      return { user, credential, secretName };
    }

    /** The user still logs in with its first credential, and the secret still holds it. */
    async function unchanged(secret: Awaited<ReturnType<typeof newSecret>>) {
      const w = world();
      expect(await w.current(secret.secretName)).toMatchObject(secret.credential);
      expect(await w.canLogIn(secret.user.name, kind.login(secret.credential))).toBe(true);
    }

    const denied = (outcome: InvocationOutcome, why: string) =>
      expect(outcome, why).toMatchObject({
        ok: false,
        errorMessage: expect.stringMatching(DENIED),
      });

    it(
      "lets the function rotate over SSH and over Cloud Assistant",
      async () => {
        for (const transport of TRANSPORTS) {
          // Prepare
          const w = world();
          const functionName = await w.deploy(entry, await template());
          const secret = await newSecret(transport);

          // Act
          const outcome = await invokeForOutcome(w.cloud, functionName, {
            SecretName: secret.secretName,
          });

          // Assess
          expect(outcome, transport).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
          const current = await w.current(secret.secretName);
          expect(current).not.toMatchObject(secret.credential);
          expect(await w.canLogIn(secret.user.name, kind.login(current)), transport).toBe(true);
        }
      },
      TIMEOUT,
    );

    it(
      "refuses the other ECS kind's secret and a secret outside rotor/",
      async () => {
        for (const prefix of [`rotor/${kind.other}/`, `app/${kind.kind}-`]) {
          for (const transport of TRANSPORTS) {
            // Prepare
            const w = world();
            const functionName = await w.deploy(entry, await template());
            const secret = await newSecret(transport, {
              secretName: `${prefix}${randomBytes(4).toString("hex")}`,
            });

            // Act
            const outcome = await invokeForOutcome(w.cloud, functionName, {
              SecretName: secret.secretName,
            });

            // Assess
            denied(outcome, `${prefix}…, over ${transport}`);
            await unchanged(secret);
          }
        }
      },
      TIMEOUT,
    );

    it(
      "over SSH, refuses a privileged login outside rotor-privileged/ (op/…)",
      async () => {
        // Prepare
        const w = world();
        const functionName = await w.deploy(entry, await template());
        // The refusal names the privileged secret, and the suite's leak scan counts every field
        // of a stored value (this name included) as secret from 8 characters: a 7-character name.
        const secret = await newSecret("ssh", {
          privilegedName: `op/${randomBytes(2).toString("hex")}`,
        });

        // Act
        const outcome = await invokeForOutcome(w.cloud, functionName, {
          SecretName: secret.secretName,
        });

        // Assess
        denied(outcome, "a privileged login outside rotor-privileged/");
        await unchanged(secret);
      },
      TIMEOUT,
    );

    it(
      "refuses a secret naming an instance the policy was not rendered for",
      async () => {
        // Prepare
        const w = world();
        const functionName = await w.deploy(entry, await template());
        const inside = await newSecret("cloud-assistant");
        const outside = await newSecret("cloud-assistant", { instance: w.otherInstanceId });

        // Act
        const insideOutcome = await invokeForOutcome(w.cloud, functionName, {
          SecretName: inside.secretName,
        });
        const outsideOutcome = await invokeForOutcome(w.cloud, functionName, {
          SecretName: outside.secretName,
        });

        // Assess
        expect(insideOutcome).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
        denied(outsideOutcome, `a secret naming ${w.otherInstanceId}`);
        expect(outsideOutcome).toMatchObject({
          errorMessage: expect.stringContaining(`instance/${w.otherInstanceId}`),
        });
        await unchanged(outside);
      },
      TIMEOUT,
    );

    it(
      "rendered with no instance, grants no Cloud Assistant right; SSH still works",
      async () => {
        // Prepare
        const w = world();
        const noInstance = await renderedPolicy(entry);
        const functionName = await w.deploy(entry, noInstance);
        const overCloudAssistant = await newSecret("cloud-assistant");
        const overSsh = await newSecret("ssh");

        // Act
        const refused = await invokeForOutcome(w.cloud, functionName, {
          SecretName: overCloudAssistant.secretName,
        });
        const rotated = await invokeForOutcome(w.cloud, functionName, {
          SecretName: overSsh.secretName,
        });

        // Assess
        expect(actionsOf(noInstance).filter((action) => action.startsWith("ecs:"))).toEqual([]);
        denied(refused, "Cloud Assistant with a policy rendered for no instance");
        await unchanged(overCloudAssistant);
        expect(rotated).toMatchObject({ ok: true, output: { Outcome: "rotated" } });
      },
      TIMEOUT,
    );

    it(
      "needs every action a rotation calls",
      async () => {
        const w = world();
        const policy = await template();
        for (const action of actionsARotationCalls(policy)) {
          for (const transport of transportsCalling(action)) {
            // Prepare
            const functionName = await w.deploy(entry, withoutAction(policy, action));
            const secret = await newSecret(transport);

            // Act
            const outcome = await invokeForOutcome(w.cloud, functionName, {
              SecretName: secret.secretName,
            });

            // Assess: refused for the very action taken out
            denied(outcome, `without ${action}, over ${transport}`);
            expect(outcome, `without ${action}, over ${transport}`).toMatchObject({
              errorMessage: expect.stringContaining(`do ${action} on`),
            });
          }
        }
      },
      TIMEOUT,
    );
  });
}
