/**
 * The rotation function's work as one plain function: a checked request,
 * who calls, until when, where to log. The middy handler is a thin layer
 * over it; tests and `rotor rotate` call it directly.
 */
import type { KmsClientOptions } from "../clients/kms-client.ts";
import type { JsonLogger } from "../engine/json-logger.ts";
import {
  RotationEngine,
  type RotationRequest,
  type RotationResult,
} from "../engine/rotation-engine.ts";
import type { AnyRotator, BeforeExternalCall } from "../rotators/contract.ts";
import { rotatorRegistry } from "../rotators/registry.ts";
import type { FcCredentials } from "./fc-context.ts";

export interface RunRotationDeps {
  log: JsonLogger;
  /** Explicit keys (FC's context.credentials); absent: the standard Alibaba credential chain. */
  credentials?: FcCredentials | undefined;
  /** Epoch ms by which the work must stop. */
  deadline: number;
  /** A user's own rotators besides the built-in ones. */
  rotators?: readonly AnyRotator[] | undefined;
  /** Endpoint, region, retry and timeouts of the KMS client. */
  kms?: Omit<KmsClientOptions, "credentials"> | undefined;
  beforeExternalCall?: BeforeExternalCall | undefined;
  now?: (() => number) | undefined;
}

export async function runRotation(
  request: RotationRequest,
  deps: RunRotationDeps,
): Promise<RotationResult> {
  const engine = new RotationEngine({
    kms: { ...deps.kms, credentials: deps.credentials },
    rotators: rotatorRegistry(deps.rotators),
    log: deps.log,
    deadline: deps.deadline,
    now: deps.now,
    beforeExternalCall: deps.beforeExternalCall,
  });
  return engine.rotate(request);
}
