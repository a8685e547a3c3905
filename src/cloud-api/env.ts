/**
 * Every environment variable Rotor reads goes through here, so the full list
 * is in one place and a missing value fails with the variable's name.
 */
import { ConfigError } from "./errors.ts";

export type Env = Readonly<Record<string, string | undefined>>;

/** A variable's value, or undefined when unset or empty. */
export function readEnv(name: string, env: Env = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** A variable's value, or a ConfigError naming it. */
export function requireEnv(name: string, env: Env = process.env): string {
  const value = readEnv(name, env);
  if (value === undefined) {
    throw new ConfigError(`Environment variable ${name} is required`);
  }
  return value;
}
