/**
 * The server the ECS kinds of a crash campaign rotate logins on: one real
 * OpenSSH server (test/support/sshd.ts) for the whole campaign, standing in
 * for an ECS instance. Over SSH the rotation child logs in to it directly;
 * through Cloud Assistant the local cloud's ECS product reaches it as a
 * uid 0 "agent" account, so the instance id must be known when the local
 * cloud starts.
 */
import { randomBytes } from "node:crypto";
import type { LocalEcsInstances } from "../../src/local-cloud/ecs/local-ecs-instance.ts";
import { type SshdServer, startSshd } from "../../test/support/sshd.ts";

export interface CampaignSshd {
  sshd: SshdServer;
  /** The instance id the local cloud maps to this server. */
  instanceId: string;
  /** What the local cloud is started with so Cloud Assistant reaches this server. */
  ecsInstances: LocalEcsInstances;
  /** Stops sshd and removes every account the campaign created. */
  stop(): Promise<void>;
}

export async function startCampaignSshd(): Promise<CampaignSshd> {
  const sshd = await startSshd();
  try {
    const agent = await sshd.createUser({ privileged: true });
    const instanceId = `i-campaign${randomBytes(6).toString("hex")}`;
    return {
      sshd,
      instanceId,
      ecsInstances: {
        [instanceId]: {
          host: sshd.host,
          port: sshd.port,
          hostKeyFingerprint: sshd.hostKeyFingerprint,
          userName: agent.name,
          password: agent.password,
        },
      },
      stop: () => sshd.stop(),
    };
  } catch (error) {
    await sshd.stop();
    throw error;
  }
}
