/**
 * The built-in kinds, their rotators and their FC functions agree: the
 * registry the CLI runs has a rotator for every kind, under its own kind,
 * and functions/ ships the function the scheduler sends each kind to.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { REPO_ROOT } from "../../../scripts/build/bundle-functions.ts";
import { defineRotator, textSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import { BUILT_IN_ROTATORS, rotatorRegistry } from "../../../src/core/rotators/registry.ts";
import {
  BUILT_IN_KINDS,
  functionForKind,
  rotatorsByKind,
} from "../../../src/core/rotators/rotator-kinds.ts";

const ownRotator = (kind: string) =>
  defineRotator({
    kind,
    description: "a user's own",
    value: textSecretValue(),
    config: z.object({}),
    createValue: async () => "next",
    apply: async () => {},
    test: async () => {},
  });

describe("the rotator registry", () => {
  it("has a rotator for every built-in kind, registered under its own kind", () => {
    expect(Object.keys(BUILT_IN_ROTATORS).sort()).toEqual([...BUILT_IN_KINDS].sort());
    for (const [kind, rotator] of Object.entries(BUILT_IN_ROTATORS))
      expect(rotator.kind).toBe(kind);
  });

  it("ships the FC function for every built-in kind", () => {
    for (const kind of BUILT_IN_KINDS) {
      expect(existsSync(join(REPO_ROOT, "functions", functionForKind(kind), "index.ts"))).toBe(
        true,
      );
    }
  });

  it("adds a user's own kind, and refuses one that would replace a built-in kind", () => {
    expect(Object.keys(rotatorRegistry([ownRotator("api-token")]))).toContain("api-token");
    expect(() => rotatorRegistry([ownRotator("mysql")])).toThrow(
      'Rotator kind "mysql" is registered twice',
    );
    expect(() => rotatorsByKind([ownRotator("a"), ownRotator("a")])).toThrow("registered twice");
  });
});
