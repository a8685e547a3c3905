/**
 * Each function's own environment in the local Function Compute. On FC a
 * function sees only the variables its configuration sets, FC's own
 * (`FC_REGION`, `FC_ACCOUNT_ID`, `FC_FUNCTION_NAME`) and its role's keys
 * (`ALIBABA_CLOUD_ACCESS_KEY_ID`, `_SECRET`, `_SECURITY_TOKEN`). Here every
 * function shares one process, and settings such as the deploy policy
 * (src/core/contract/deploy-policy.ts) must not leak from one function to another
 * or from the shell that started the local cloud.
 *
 * So process.env is replaced, once, by a view: inside an invocation
 * (tracked with AsyncLocalStorage, so interleaved invocations each keep
 * theirs) it answers from that invocation's variables and hides the host's
 * Rotor, FC and Alibaba Cloud variables; outside any invocation it is the
 * real environment, unchanged. Writes inside an invocation stay in it.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** Host variables a function never sees unless its own environment sets them. */
const HOST_ONLY = /^(ROTOR_|FC_|ALIBABA_CLOUD_)/;

/** One invocation's variables: a value, or undefined for a variable removed inside it. */
type Scope = Map<string, string | undefined>;

const invocation = new AsyncLocalStorage<Scope>();
let installed = false;

/** Runs `work` with `environment` as the process environment it sees. */
export function withFunctionEnvironment<T>(
  environment: Readonly<Record<string, string>>,
  work: () => T,
): T {
  installView();
  return invocation.run(new Map(Object.entries(environment)), work);
}

function installView(): void {
  if (installed) return;
  installed = true;
  const host = process.env;
  const hidden = (name: string) => HOST_ONLY.test(name);
  const read = (scope: Scope, name: string): string | undefined =>
    scope.has(name) ? scope.get(name) : hidden(name) ? undefined : host[name];
  process.env = new Proxy(host, {
    get(target, name, receiver) {
      const scope = invocation.getStore();
      if (!scope || typeof name !== "string") return Reflect.get(target, name, receiver);
      return read(scope, name);
    },
    has(target, name) {
      const scope = invocation.getStore();
      if (!scope || typeof name !== "string") return Reflect.has(target, name);
      return read(scope, name) !== undefined;
    },
    set(target, name, value, receiver) {
      const scope = invocation.getStore();
      if (!scope || typeof name !== "string") return Reflect.set(target, name, value, receiver);
      // Node's environment holds strings only; a function's own writes stay in its invocation.
      scope.set(name, String(value));
      return true;
    },
    deleteProperty(target, name) {
      const scope = invocation.getStore();
      if (!scope || typeof name !== "string") return Reflect.deleteProperty(target, name);
      scope.set(name, undefined);
      return true;
    },
    ownKeys(target) {
      const scope = invocation.getStore();
      if (!scope) return Reflect.ownKeys(target);
      const names = new Set([...Object.keys(target), ...scope.keys()]);
      return [...names].filter((name) => read(scope, name) !== undefined);
    },
    getOwnPropertyDescriptor(target, name) {
      const scope = invocation.getStore();
      if (!scope || typeof name !== "string") return Reflect.getOwnPropertyDescriptor(target, name);
      const value = read(scope, name);
      return value === undefined
        ? undefined
        : { value, writable: true, enumerable: true, configurable: true };
    },
  });
}
