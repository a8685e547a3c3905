/**
 * Where each Alibaba Cloud product is reached. `ROTOR_ENDPOINT` points every
 * product at one place (the local cloud serves them all on one port);
 * `ROTOR_ENDPOINT_<PRODUCT>` overrides one product; otherwise the product's
 * public endpoint for the region.
 */

import { type Env, readEnv } from "./env.ts";
import { ConfigError } from "./errors.ts";

export type Product = "kms" | "ram" | "sts" | "rds" | "ecs" | "kvstore" | "polardb" | "eventbridge";

/** API version of each product: the local cloud routes requests by it too. */
export const PRODUCT_API_VERSIONS: Readonly<Record<Product, string>> = {
  kms: "2016-01-20",
  ram: "2015-05-01",
  sts: "2015-04-01",
  rds: "2014-08-15",
  ecs: "2014-05-26",
  kvstore: "2015-01-01",
  polardb: "2017-08-01",
  eventbridge: "2020-04-01",
};

const PUBLIC_HOSTS: Readonly<Record<Product, (region: string) => string>> = {
  kms: (region) => `kms.${region}.aliyuncs.com`,
  ram: () => "ram.aliyuncs.com",
  sts: (region) => `sts.${region}.aliyuncs.com`,
  rds: (region) => `rds.${region}.aliyuncs.com`,
  ecs: (region) => `ecs.${region}.aliyuncs.com`,
  // R-kvstore's central endpoint: the SDK maps the main regions to it; the region travels as RegionId.
  kvstore: () => "r-kvstore.aliyuncs.com",
  // PolarDB's central endpoint, as the SDK maps the main regions to it.
  polardb: () => "polardb.aliyuncs.com",
  // The control plane's host (the official 2020-04-01 SDK's endpoint map), not the
  // per-account data plane `<account>.eventbridge.<region>.aliyuncs.com`: see eventbridge-client.ts.
  eventbridge: (region) => `eventbridge-console.${region}.aliyuncs.com`,
};

export interface Endpoint {
  /** host[:port], as the OpenAPI client's `endpoint` option takes it. */
  host: string;
  protocol: "http" | "https";
}

/** Parses `http://127.0.0.1:8765` or a bare host into an Endpoint. */
export function parseEndpoint(value: string, source: string): Endpoint {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`${source} is not a valid endpoint URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${source} must use http or https, got ${url.protocol}`);
  }
  if (url.pathname !== "/" || url.search !== "") {
    throw new ConfigError(`${source} must be a scheme and host only, got ${JSON.stringify(value)}`);
  }
  return { host: url.host, protocol: url.protocol === "http:" ? "http" : "https" };
}

export function resolveEndpoint(
  product: Product,
  region: string,
  env: Env = process.env,
): Endpoint {
  const productVariable = `ROTOR_ENDPOINT_${product.toUpperCase()}`;
  const productOverride = readEnv(productVariable, env);
  if (productOverride !== undefined) return parseEndpoint(productOverride, productVariable);
  const shared = readEnv("ROTOR_ENDPOINT", env);
  if (shared !== undefined) return parseEndpoint(shared, "ROTOR_ENDPOINT");
  return { host: PUBLIC_HOSTS[product](region), protocol: "https" };
}
