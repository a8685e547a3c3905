/**
 * The parts of Function Compute 3.0's Node.js context Rotor uses. FC has no
 * getRemainingTimeInMillis: the time left comes from `function.timeout`.
 */
export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string | undefined;
}

export interface FcContext {
  requestId: string;
  /** The function role's temporary keys (absent when the function has no role). */
  credentials?: FcCredentials | undefined;
  function?: { name?: string; handler?: string; memory?: number; timeout?: number } | undefined;
  region?: string | undefined;
  accountId?: string | undefined;
}
