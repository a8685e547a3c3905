/**
 * Where the generic rotator may send a value: decided by the function's
 * deployment, never by a tag alone. `rotor:webhook-url` names the URL, but
 *
 * - its origin (scheme, host, port) must be allowed by ROTOR_WEBHOOK_ORIGINS
 *   (none by default);
 * - plain http only to an http origin the variable lists by name (`*` allows
 *   https origins only);
 * - the host name is resolved once, and every address it resolves to must be
 *   public unless the origin is listed by name: loopback, private, shared,
 *   link-local, metadata (100.100.100.200) and other inside addresses are
 *   refused. The request then connects to the address that was checked
 *   (webhook-request.ts), so a second DNS answer cannot switch it.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ConfigError, PolicyError } from "@rotor/cloud-api";
import { type DeployPolicy, describeAllowed } from "../../contract/deploy-policy.ts";
import type { GenericConfig } from "./generic-config.ts";
import { addressKind } from "./webhook-address.ts";

export interface WebhookTarget {
  url: URL;
  /** The origin is named in ROTOR_WEBHOOK_ORIGINS, not only let through by `*`. */
  listed: boolean;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (the system resolver, as Node's own requests use). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

/**
 * The webhook the tags name, checked against the deployment's origins, or
 * undefined when there is none. Makes no network call.
 */
export function webhookTarget(
  config: GenericConfig,
  policy: DeployPolicy,
  secretName: string,
): WebhookTarget | undefined {
  const raw = config["webhook-url"];
  if (raw === undefined) return undefined;
  const url = new URL(raw);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`Tag rotor:webhook-url: expected an https URL, got ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new ConfigError("Tag rotor:webhook-url: a URL with a user or password is not accepted");
  }
  if (config["webhook-key-secret"] === undefined) {
    throw new ConfigError("Tag rotor:webhook-key-secret is required with rotor:webhook-url");
  }
  const allowed = policy.webhookOrigins;
  const listed = !allowed.any && allowed.values.some((entry) => sameOrigin(entry, url));
  if (!listed && !allowed.any) {
    throw new PolicyError(
      `Secret ${secretName}: tag rotor:webhook-url names ${url.origin}, which this function may not call (ROTOR_WEBHOOK_ORIGINS: ${describeAllowed(allowed)}); nothing was sent`,
    );
  }
  if (url.protocol === "http:" && !listed) {
    throw new PolicyError(
      `Secret ${secretName}: tag rotor:webhook-url names ${url.origin} over plain http, which only an http origin listed by name in ROTOR_WEBHOOK_ORIGINS allows; nothing was sent`,
    );
  }
  return { url, listed };
}

/**
 * The address to connect to: the host name resolved once, each of its
 * addresses checked. An origin listed by name may resolve anywhere (an
 * internal service the deployer chose); any other must resolve to public
 * addresses only.
 */
export async function resolveWebhookAddress(
  target: WebhookTarget,
  secretName: string,
  resolve: HostResolver = systemResolver,
): Promise<ResolvedAddress> {
  const host = target.url.hostname.replace(/^\[(.*)\]$/, "$1");
  const family = isIP(host);
  const addresses: ResolvedAddress[] =
    family === 0 ? await resolve(host) : [{ address: host, family: family === 6 ? 6 : 4 }];
  const first = addresses[0];
  if (first === undefined) {
    throw new PolicyError(
      `Secret ${secretName}: the webhook host ${target.url.hostname} resolves to no address; nothing was sent`,
    );
  }
  if (!target.listed) {
    for (const { address } of addresses) {
      const kind = addressKind(address);
      if (kind !== "public") {
        throw new PolicyError(
          `Secret ${secretName}: the webhook host ${target.url.hostname} resolves to ${address} (${kind}); only an origin listed by name in ROTOR_WEBHOOK_ORIGINS may reach such an address; nothing was sent`,
        );
      }
    }
  }
  return first;
}

/** Whether an entry of ROTOR_WEBHOOK_ORIGINS names the URL's origin (default ports and case aside). */
function sameOrigin(entry: string, url: URL): boolean {
  let origin: string;
  try {
    origin = new URL(entry).origin;
  } catch {
    throw new ConfigError(
      `Environment variable ROTOR_WEBHOOK_ORIGINS: ${JSON.stringify(entry)} is not an origin such as https://hooks.example.com`,
    );
  }
  return origin === url.origin;
}
