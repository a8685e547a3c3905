/**
 * What the deploy tests read from an s.yaml (the root ones and each
 * function's template): its variables and each resource's function name
 * and environment. And the rotation functions that have a template.
 */

export interface SYaml {
  extend?: string;
  vars?: Record<string, string>;
  resources: Record<
    string,
    { props: { functionName?: string; environmentVariables?: Record<string, string> } }
  >;
}

/** The rotation functions, each with a template under templates/<name>/. */
export const ROTATION_FUNCTIONS = [
  "rotate-generic",
  "rotate-mysql",
  "rotate-postgres",
  "rotate-ram-access-key",
  "rotate-ecs-password",
  "rotate-ecs-ssh-key",
  "rotate-redis",
] as const;
