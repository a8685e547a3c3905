/**
 * Where each product's client goes: its own ROTOR_ENDPOINT_<PRODUCT>, then
 * the shared ROTOR_ENDPOINT, then the product's public endpoint.
 */
import { describe, expect, it } from "vitest";
import { PRODUCT_API_VERSIONS, resolveEndpoint } from "../../src/cloud-api/endpoints.ts";

describe("product endpoints", () => {
  it("sends Redis/Tair (R-kvstore) calls to its own variable, the shared one, or its public endpoint", () => {
    // Act
    const own = resolveEndpoint("kvstore", "cn-shanghai", {
      ROTOR_ENDPOINT_KVSTORE: "http://127.0.0.1:9001",
      ROTOR_ENDPOINT: "http://127.0.0.1:9000",
    });
    const shared = resolveEndpoint("kvstore", "cn-shanghai", {
      ROTOR_ENDPOINT: "http://127.0.0.1:9000",
    });
    const public_ = resolveEndpoint("kvstore", "cn-shanghai", {});
    // Assess
    expect(own).toEqual({ host: "127.0.0.1:9001", protocol: "http" });
    expect(shared).toEqual({ host: "127.0.0.1:9000", protocol: "http" });
    expect(public_).toEqual({ host: "r-kvstore.aliyuncs.com", protocol: "https" });
    expect(PRODUCT_API_VERSIONS.kvstore).toBe("2015-01-01");
  });

  it("sends PolarDB calls to its own variable, the shared one, or its public endpoint", () => {
    // Act
    const own = resolveEndpoint("polardb", "cn-beijing", {
      ROTOR_ENDPOINT_POLARDB: "http://127.0.0.1:9002",
      ROTOR_ENDPOINT: "http://127.0.0.1:9000",
    });
    const shared = resolveEndpoint("polardb", "cn-beijing", {
      ROTOR_ENDPOINT: "http://127.0.0.1:9000",
    });
    const public_ = resolveEndpoint("polardb", "cn-beijing", {});
    // Assess
    expect(own).toEqual({ host: "127.0.0.1:9002", protocol: "http" });
    expect(shared).toEqual({ host: "127.0.0.1:9000", protocol: "http" });
    expect(public_).toEqual({ host: "polardb.aliyuncs.com", protocol: "https" });
    expect(PRODUCT_API_VERSIONS.polardb).toBe("2017-08-01");
  });
});
