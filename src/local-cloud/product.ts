/**
 * The shape every product of the local cloud (KMS, RAM, STS, …) has: a set
 * of actions for one API version. The server routes a request to a product
 * by its version (`x-acs-version` or `Version`), then to the action.
 */
import type { Principal } from "./auth/principal.ts";
import type { RawParams } from "./params.ts";

export interface ActionContext {
  action: string;
  params: RawParams;
  principal: Principal;
  requestId: string;
  now: number;
  /**
   * Throws Forbidden.NoPermission unless the caller may do `ramAction` (e.g.
   * `kms:GetSecretValue`) on `resource` (an ARN, or `*`). The root account
   * may do anything.
   */
  authorize(ramAction: string, resource: string): void;

  /** The raw request, for ROA-style actions that read the path, headers or body (FC). */
  http: { path: string; headers: Readonly<Record<string, string>>; body: Buffer };
}

/**
 * What an ROA-style action answers when its reply is not the usual JSON
 * envelope (FC's InvokeFunction returns the function's own output).
 */
export interface RawReply {
  [RAW_REPLY]: { status: number; headers: Record<string, string>; body: Buffer };
}
export const RAW_REPLY: unique symbol = Symbol("raw reply");

export function isRawReply(value: unknown): value is RawReply {
  return typeof value === "object" && value !== null && RAW_REPLY in value;
}

export type ActionHandler = (context: ActionContext) => Promise<Record<string, unknown> | RawReply>;

export interface Product {
  /** Lower-case product code, e.g. `kms`. */
  code: string;
  apiVersion: string;
  actions: Readonly<Record<string, ActionHandler>>;
}
