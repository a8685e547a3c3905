/**
 * ACL GETUSER's answer as Redis 6.0 and 6.2 write it (bare key patterns in
 * a list with an `allkeys` flag; channel patterns likewise from 6.2; no
 * selectors), which the servers on this machine (Redis 7) never give: the
 * rules read from it are those SETUSER takes, and clearing names only what
 * the server knows. Redis 7's own answer is proven against a real server in
 * redis-acl-rules.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  clearingRules,
  differingParts,
  parseAclUser,
  sameRules,
} from "../../../../src/core/rotators/redis/redis-acl-rules.ts";

describe("ACL GETUSER answers of Redis 6", () => {
  it("6.0: bare key patterns and allkeys become ~ rules; no channels or selectors to clear", () => {
    // Prepare
    const reply = [
      "flags",
      ["on", "allkeys", "allcommands"],
      "passwords",
      ["a".repeat(64)],
      "commands",
      "+@all -@admin",
      "keys",
      ["*"],
    ];

    // Act
    const user = parseAclUser(reply);

    // Assess
    expect(user.rules).toEqual(["~*", "+@all", "-@admin"]);
    expect(user.passwordHashes).toEqual(["a".repeat(64)]);
    expect(clearingRules(user.knows)).toEqual(["resetkeys", "-@all"]);
  });

  it("6.2: channel patterns and allchannels become & rules after resetchannels", () => {
    // Prepare
    const reply = [
      "flags",
      ["on", "allchannels", "sanitize-payload"],
      "passwords",
      [],
      "commands",
      "-@all +get",
      "keys",
      ["app:*", "cache:*"],
      "channels",
      ["news.*"],
    ];

    // Act
    const user = parseAclUser(reply);

    // Assess
    expect(user.rules).toEqual([
      "sanitize-payload",
      "~app:*",
      "~cache:*",
      "resetchannels",
      "&*",
      "&news.*",
      "-@all",
      "+get",
    ]);
    expect(clearingRules(user.knows)).toEqual(["resetkeys", "resetchannels", "-@all"]);
  });

  it("names the parts that differ, never the patterns", () => {
    // Prepare
    const a = parseAclUser(["flags", ["on"], "passwords", [], "commands", "+get", "keys", ["a:*"]]);
    const b = parseAclUser(["flags", ["on"], "passwords", [], "commands", "+set", "keys", ["a:*"]]);

    // Act & Assess
    expect(sameRules(a, b)).toBe(false);
    expect(differingParts(a, b)).toEqual(["commands"]);
    expect(sameRules(a, a)).toBe(true);
  });
});
