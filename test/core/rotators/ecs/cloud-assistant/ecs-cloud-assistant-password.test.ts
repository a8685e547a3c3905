import { describe, expect, it } from "vitest";
import { createEcsPasswordRotator } from "../../../../../src/core/rotators/ecs/ecs-password-rotator.ts";
import { sshdSkipReason } from "../../../../support/sshd.ts";
import { useCloudAssistantWorld } from "./cloud-assistant-world.ts";

describe.skipIf(sshdSkipReason())(
  "the ecs-password rotator through Cloud Assistant (the local ECS product)",
  () => {
    const world = useCloudAssistantWorld();

    it("rotates a password twice: only the newest logs in, and no password reaches a log", async () => {
      // Prepare
      const w = world();
      const user = await w.sshd.createUser();
      const rotator = createEcsPasswordRotator({ cloudAssistant: w.clients });
      const secretName = await w.createSecret(rotator.kind, {
        UserName: user.name,
        Password: user.password,
      });
      const engine = w.engine(rotator);
      // Act
      const first = await engine.rotate({ secretName });
      const firstPassword = (await w.valueAt(secretName, "ACSCurrent")).Password as string;
      await engine.rotate({ secretName });
      const secondPassword = (await w.valueAt(secretName, "ACSCurrent")).Password as string;
      // Assess
      expect(first.outcome).toBe("rotated");
      expect(secondPassword).not.toBe(firstPassword);
      expect(await w.canLogIn(user.name, { password: secondPassword })).toBe(true);
      expect(await w.canLogIn(user.name, { password: firstPassword })).toBe(false);
      expect(await w.canLogIn(user.name, { password: user.password })).toBe(false);
      const logs = w.logLines.join("\n");
      for (const password of [user.password, firstPassword, secondPassword]) {
        expect(logs).not.toContain(password);
      }
    }, 120_000);

    it("rotates a value that names an instance through the local ECS product", async () => {
      // Prepare: the built-in kind's rotator, with Cloud Assistant clients for this cloud
      const w = world();
      const rotator = createEcsPasswordRotator({ cloudAssistant: w.clients });
      const user = await w.sshd.createUser();
      const secretName = await w.createSecret(rotator.kind, {
        UserName: user.name,
        Password: user.password,
      });
      // Act
      const result = await w.engine(rotator).rotate({ secretName });
      // Assess
      expect(result.outcome).toBe("rotated");
      const current = await w.valueAt(secretName, "ACSCurrent");
      expect(current.InstanceId).toBe(w.instanceId);
      expect(await w.canLogIn(user.name, { password: current.Password as string })).toBe(true);
      expect(await w.canLogIn(user.name, { password: user.password })).toBe(false);
    }, 120_000);
  },
);
