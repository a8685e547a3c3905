/**
 * Orderings the local cloud cannot be made to show on demand: a KMS answer
 * that has left the server but not yet reached the cache. The fetch function
 * here is a stand-in for KMS with the cache's own type, answering when told.
 */
import { describe, expect, it } from "vitest";
import { type FetchSecretVersion, SecretCache } from "../../src/client/secret-cache.ts";
import { SecretVersion } from "../../src/client/secret-version.ts";
import { resolveCacheOptions } from "../../src/client/secrets-client-options.ts";

/** A KMS stand-in: each call waits until the test answers it with the value KMS held when the call was made. */
function controlledKms() {
  let stored = "v1";
  const pending: { valueAtRead: string; answer: () => void }[] = [];
  const fetch: FetchSecretVersion = (request) => {
    const valueAtRead = stored;
    return new Promise((resolve) => {
      pending.push({
        valueAtRead,
        answer: () =>
          resolve(
            new SecretVersion({
              secretName: request.secretName,
              versionId: valueAtRead,
              versionStages: ["ACSCurrent"],
              dataType: "text",
              fetchedAt: Date.now(),
              value: valueAtRead,
            }),
          ),
      });
    });
  };
  return {
    fetch,
    pending,
    write(value: string) {
      stored = value;
    },
  };
}

const quiet = { warn: () => undefined };

describe("SecretCache orderings", () => {
  it("gives refreshes asked for after a call left a follow-up call that sees newer data", async () => {
    // Prepare: a read's call has reached KMS (value v1) but not answered yet
    const kms = controlledKms();
    const cache = new SecretCache(kms.fetch, resolveCacheOptions({ logger: quiet }));
    const read = cache.get({ secretName: "db" });
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    kms.write("v2");

    // Act: fifty refreshes, then KMS answers the read and whatever comes next
    const refreshes = Array.from({ length: 50 }, () => cache.refresh({ secretName: "db" }));
    kms.pending[0]?.answer();
    await read;
    await new Promise((resolve) => setImmediate(resolve));
    kms.pending[1]?.answer();
    const refreshed = await Promise.all(refreshes);

    // Assess
    expect((await read).value).toBe("v1");
    expect(new Set(refreshed.map((version) => version.value))).toEqual(new Set(["v2"]));
    expect(kms.pending).toHaveLength(2);
    cache.close();
  });

  it("lets refreshes asked for in the same turn as a cold read share its call", async () => {
    // Prepare
    const kms = controlledKms();
    const cache = new SecretCache(kms.fetch, resolveCacheOptions({ logger: quiet }));

    // Act
    const read = cache.get({ secretName: "db" });
    const refreshes = Array.from({ length: 50 }, () => cache.refresh({ secretName: "db" }));
    kms.pending[0]?.answer();
    await Promise.all([read, ...refreshes]);

    // Assess
    expect(kms.pending).toHaveLength(1);
    cache.close();
  });
});
