/**
 * ListSecrets as KMS serves it (pages, FetchTags, Filters), checked
 * against a model of the account the test keeps itself, after every kind
 * of change: the local cloud answers pages from an index and cached
 * listings, and must never answer from a stale one.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { KmsClient, SecretFilter, SecretSummary } from "../../src/cloud-api/kms-client.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";

const DAY_MS = 86_400_000;

interface ModelSecret {
  name: string;
  createTime: number;
  description: string;
  tags: Map<string, string>;
  plannedDeleteTime: number | undefined;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A cloud whose clock the test moves; times step by whole seconds, as KMS reports them. */
async function clockedCloud(): Promise<{ cloud: TestCloud; clock: { now: number } }> {
  const clock = { now: Date.parse("2026-01-01T00:00:00Z") };
  const cloud = await startTestCloud({ inMemory: true, now: () => clock.now });
  cleanups.push(() => cloud.close());
  return { cloud, clock };
}

/** Every page of a listing, PageSize `pageSize`, concatenated. */
async function listAll(
  kms: KmsClient,
  filters: SecretFilter[],
  pageSize: number,
): Promise<{ names: string[]; totals: number[]; secrets: SecretSummary[] }> {
  const secrets: SecretSummary[] = [];
  const totals: number[] = [];
  for (let page = 1; ; page++) {
    const answer = await kms.listSecrets({ filters, fetchTags: true, pageNumber: page, pageSize });
    totals.push(answer.totalCount);
    secrets.push(...answer.secrets);
    if (answer.secrets.length < pageSize) break;
  }
  return { names: secrets.map((s) => s.secretName), totals, secrets };
}

function expected(model: Iterable<ModelSecret>, filters: SecretFilter[], now: number): string[] {
  const matches = (secret: ModelSecret, filter: SecretFilter) => {
    const tags = [...secret.tags];
    switch (filter.key) {
      case "SecretName":
        return filter.values.some((v) => secret.name.includes(v));
      case "Description":
        return filter.values.some((v) => secret.description.includes(v));
      case "TagKey":
        return tags.some(([key]) => filter.values.includes(key));
      case "TagValue":
        return tags.some(([, value]) => filter.values.includes(value));
      case "SecretType":
        return filter.values.includes("Generic");
    }
  };
  return [...model]
    .filter((s) => s.plannedDeleteTime === undefined || s.plannedDeleteTime > now)
    .filter((s) => filters.every((f) => matches(s, f)))
    .sort((a, b) => a.createTime - b.createTime || (a.name < b.name ? -1 : 1))
    .map((s) => s.name);
}

describe("ListSecrets", () => {
  it("pages through exactly the matching secrets, in creation order, for every kind of filter", async () => {
    const { cloud, clock } = await clockedCloud();
    const model = new Map<string, ModelSecret>();
    for (let i = 0; i < 45; i++) {
      // Three secrets per second: the same creation time is ordered by name.
      if (i % 3 === 0) clock.now += 1000;
      const name = `app/${["db", "cache", "queue"][i % 3]}-${String(44 - i).padStart(2, "0")}`;
      const tags = new Map([
        ["team", `t${i % 4}`],
        ...(i % 5 === 0 ? [["rotor:rotator", "generic"] as [string, string]] : []),
      ]);
      const description = i % 2 === 0 ? "even" : "odd one";
      await cloud.kms.createSecret({
        secretName: name,
        secretData: "v",
        versionId: "v1",
        description,
        tags: [...tags].map(([key, value]) => ({ key, value })),
      });
      model.set(name, {
        name,
        createTime: clock.now,
        description,
        tags,
        plannedDeleteTime: undefined,
      });
    }
    const cases: SecretFilter[][] = [
      [],
      [{ key: "TagKey", values: ["rotor:rotator"] }],
      [{ key: "TagValue", values: ["t1", "t3"] }],
      [{ key: "SecretName", values: ["db-", "queue-1"] }],
      [{ key: "Description", values: ["odd"] }],
      [{ key: "SecretType", values: ["Generic"] }],
      [{ key: "SecretType", values: ["Rds"] }],
      [
        { key: "TagValue", values: ["t0", "t2"] },
        { key: "SecretName", values: ["cache"] },
        { key: "Description", values: ["even"] },
      ],
      [{ key: "TagKey", values: ["nobody-uses-this"] }],
    ];

    for (const filters of cases) {
      const listed = await listAll(cloud.kms, filters, 7);
      const want = expected(model.values(), filters, clock.now);
      expect(listed.names, JSON.stringify(filters)).toEqual(want);
      expect(new Set(listed.totals), JSON.stringify(filters)).toEqual(new Set([want.length]));
    }
    const tagged = await listAll(cloud.kms, [{ key: "TagKey", values: ["rotor:rotator"] }], 100);
    expect(tagged.secrets[0]?.tags).toEqual([
      { key: "team", value: "t0" },
      { key: "rotor:rotator", value: "generic" },
    ]);
  });

  it("shows every change at once, though the same listing was just served", async () => {
    const { cloud, clock } = await clockedCloud();
    const kms = cloud.kms;
    for (const name of ["a", "b", "c", "d"]) {
      clock.now += 1000;
      await kms.createSecret({
        secretName: name,
        secretData: "v",
        versionId: "v1",
        description: "x",
      });
    }
    const byTag = [{ key: "TagKey" as const, values: ["owner"] }];
    const byDescription = [{ key: "Description" as const, values: ["kept"] }];
    const names = async (filters: SecretFilter[] = []) => (await listAll(kms, filters, 2)).names;
    const seen: Record<string, string[]> = {};

    seen.start = await names(byTag);
    await kms.tagResource({ secretName: "c", tags: [{ key: "owner", value: "me" }] });
    seen.tagged = await names(byTag);
    await kms.untagResource({ secretName: "c", tagKeys: ["owner"] });
    seen.untagged = await names(byTag);
    seen.described = await names(byDescription);
    await kms.updateSecret({ secretName: "b", description: "kept" });
    seen.redescribed = await names(byDescription);
    seen.all = await names();
    await kms.tagResource({ secretName: "a", tags: [{ key: "soon", value: "gone" }] });
    await kms.deleteSecret({ secretName: "a", recoveryWindowInDays: 7 });
    const inWindow = await listAll(kms, [], 10);
    seen.inWindow = inWindow.names;
    const soon = [{ key: "TagKey" as const, values: ["soon"] }];
    seen.taggedInWindow = await names(soon);
    clock.now += 7 * DAY_MS + 1000;
    seen.windowOver = await names();
    const taggedAfter = await listAll(kms, soon, 2);
    seen.taggedAfterWindow = taggedAfter.names;
    await kms.deleteSecret({ secretName: "b", forceDeleteWithoutRecovery: true });
    seen.forced = await names();
    await kms.createSecret({ secretName: "b", secretData: "again", versionId: "v1" });
    seen.recreated = await names();
    await kms.deleteSecret({ secretName: "c" });
    await kms.restoreSecret({ secretName: "c" });
    seen.restored = await names();
    const before = (await listAll(kms, [], 10)).secrets.find((s) => s.secretName === "d");
    clock.now += 5000;
    await kms.putSecretValue({ secretName: "d", secretData: "w", versionId: "v2" });
    const after = (await listAll(kms, [], 10)).secrets.find((s) => s.secretName === "d");

    expect(seen).toEqual({
      start: [],
      tagged: ["c"],
      untagged: [],
      described: [],
      redescribed: ["b"],
      all: ["a", "b", "c", "d"],
      inWindow: ["a", "b", "c", "d"],
      taggedInWindow: ["a"],
      windowOver: ["b", "c", "d"],
      taggedAfterWindow: [],
      forced: ["c", "d"],
      recreated: ["c", "d", "b"],
      restored: ["c", "d", "b"],
    });
    expect(inWindow.secrets[0]?.plannedDeleteTime).toBeDefined();
    expect(taggedAfter.totals).toEqual([0]);
    expect(after?.updateTime).not.toBe(before?.updateTime);
  });

  it("answers each page from the account as it is, though a scan was left half way", async () => {
    const { cloud, clock } = await clockedCloud();
    const kms = cloud.kms;
    const model = new Map<string, ModelSecret>();
    const create = async (name: string, tagged: boolean) => {
      clock.now += 1000;
      const tags = new Map(tagged ? [["mark", "on"]] : []);
      await kms.createSecret({
        secretName: name,
        secretData: "v",
        versionId: "v1",
        tags: [...tags].map(([key, value]) => ({ key, value })),
      });
      model.set(name, {
        name,
        createTime: clock.now,
        description: "",
        tags,
        plannedDeleteTime: undefined,
      });
    };
    for (let i = 0; i < 30; i++) await create(`scan/${String(i).padStart(2, "0")}`, i % 2 === 0);
    const filters: SecretFilter[][] = [
      [{ key: "TagKey", values: ["mark"] }],
      [{ key: "SecretName", values: ["scan/"] }],
      [],
    ];
    const tag = async (name: string, on: boolean) => {
      if (on) await kms.tagResource({ secretName: name, tags: [{ key: "mark", value: "on" }] });
      else await kms.untagResource({ secretName: name, tagKeys: ["mark"] });
      const secret = model.get(name) as ModelSecret;
      if (on) secret.tags.set("mark", "on");
      else secret.tags.delete("mark");
    };

    // Each listing's first page scans only the account's first few secrets.
    for (const f of filters) await kms.listSecrets({ filters: f, fetchTags: true, pageSize: 3 });
    await tag("scan/25", true);
    await tag("scan/26", false);
    await tag("scan/01", true);
    await tag("scan/02", false);
    await kms.deleteSecret({ secretName: "scan/27", forceDeleteWithoutRecovery: true });
    model.delete("scan/27");
    await create("scan/30", true);
    const listed = await Promise.all(filters.map((f) => listAll(kms, f, 3)));

    expect(listed.map((l) => l.names)).toEqual(
      filters.map((f) => expected(model.values(), f, clock.now)),
    );
    expect(listed.map((l) => new Set(l.totals))).toEqual(
      filters.map((f) => new Set([expected(model.values(), f, clock.now).length])),
    );
  });

  it("matches a model of the account after any sequence of changes", async () => {
    const { cloud, clock } = await clockedCloud();
    const model = new Map<string, ModelSecret>();
    const names = ["s/a", "s/b", "s/c", "s/d", "s/e", "t/f"];
    const tagKeys = ["k1", "k2", "k3"];
    const tagValues = ["x", "y"];
    const operation = fc.oneof(
      {
        // Creating more often than deleting keeps secrets around for the other changes.
        arbitrary: fc.record({
          op: fc.constant("create" as const),
          name: fc.constantFrom(...names),
        }),
        weight: 3,
      },
      fc.record({
        op: fc.constant("tag" as const),
        name: fc.constantFrom(...names),
        key: fc.constantFrom(...tagKeys),
        value: fc.constantFrom(...tagValues),
      }),
      fc.record({
        op: fc.constant("untag" as const),
        name: fc.constantFrom(...names),
        key: fc.constantFrom(...tagKeys),
      }),
      fc.record({
        op: fc.constant("describe" as const),
        name: fc.constantFrom(...names),
        text: fc.constantFrom("alpha", "beta"),
      }),
      fc.record({
        op: fc.constant("delete" as const),
        name: fc.constantFrom(...names),
        force: fc.boolean(),
      }),
      fc.record({ op: fc.constant("restore" as const), name: fc.constantFrom(...names) }),
      fc.record({ op: fc.constant("wait" as const), days: fc.constantFrom(1, 3, 8) }),
    );
    // Every listing after every step, so each change meets cached listings of every kind.
    const listings: SecretFilter[][] = [
      [],
      ...tagKeys.map((k): SecretFilter[] => [{ key: "TagKey", values: [k] }]),
      [{ key: "TagValue", values: ["x"] }],
      [{ key: "TagValue", values: ["x", "y"] }],
      [{ key: "SecretName", values: ["s/"] }],
      [{ key: "Description", values: ["alpha"] }],
      [
        { key: "TagKey", values: ["k1"] },
        { key: "SecretName", values: ["t/"] },
      ],
    ];
    const live = (secret: ModelSecret | undefined): secret is ModelSecret =>
      secret !== undefined &&
      (secret.plannedDeleteTime === undefined || secret.plannedDeleteTime > clock.now);
    const settle = async (call: Promise<unknown>) => {
      await call.catch(() => {});
    };

    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 25 }), async (steps) => {
        for (const step of steps) {
          clock.now += 1000;
          const secret = model.get("name" in step ? step.name : "");
          // The model follows what KMS does; a refused call changes neither side.
          switch (step.op) {
            case "create":
              await settle(
                cloud.kms.createSecret({ secretName: step.name, secretData: "v", versionId: "v1" }),
              );
              if (!secret) {
                model.set(step.name, {
                  name: step.name,
                  createTime: clock.now,
                  description: "",
                  tags: new Map(),
                  plannedDeleteTime: undefined,
                });
              }
              break;
            case "tag":
              await settle(
                cloud.kms.tagResource({
                  secretName: step.name,
                  tags: [{ key: step.key, value: step.value }],
                }),
              );
              if (live(secret) && secret.plannedDeleteTime === undefined)
                secret.tags.set(step.key, step.value);
              break;
            case "untag":
              await settle(cloud.kms.untagResource({ secretName: step.name, tagKeys: [step.key] }));
              if (live(secret) && secret.plannedDeleteTime === undefined)
                secret.tags.delete(step.key);
              break;
            case "describe":
              await settle(
                cloud.kms.updateSecret({ secretName: step.name, description: step.text }),
              );
              if (live(secret) && secret.plannedDeleteTime === undefined)
                secret.description = step.text;
              break;
            case "delete":
              await settle(
                cloud.kms.deleteSecret({
                  secretName: step.name,
                  forceDeleteWithoutRecovery: step.force,
                  recoveryWindowInDays: 7,
                }),
              );
              if (live(secret) && step.force) model.delete(step.name);
              else if (live(secret) && secret.plannedDeleteTime === undefined) {
                secret.plannedDeleteTime = clock.now + 7 * DAY_MS;
              }
              break;
            case "restore":
              await settle(cloud.kms.restoreSecret({ secretName: step.name }));
              if (live(secret)) secret.plannedDeleteTime = undefined;
              break;
            case "wait":
              clock.now += step.days * DAY_MS;
              break;
          }
          for (const [name, modelled] of model) {
            if (!live(modelled)) model.delete(name);
          }
          for (const filters of listings) {
            const listed = await listAll(cloud.kms, filters, 2);
            const want = expected(model.values(), filters, clock.now);
            expect(listed.names, JSON.stringify({ step, filters })).toEqual(want);
            expect(new Set(listed.totals), JSON.stringify({ step, filters })).toEqual(
              new Set([want.length]),
            );
          }
        }
        for (const name of model.keys()) {
          await cloud.kms.deleteSecret({ secretName: name, forceDeleteWithoutRecovery: true });
        }
        model.clear();
      }),
      { numRuns: 40 },
    );
  });
});
