import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} },
    out,
    err,
  };
}

describe("rotor CLI", () => {
  it("lists every command in --help and exits 0", async () => {
    const { io, out } = capture();
    expect(await main(["--help"], io)).toBe(0);
    expect(out.join("\n")).toContain("local-cloud");
    expect(out.join("\n")).toContain("demo");
  });

  it("answers an unknown command with exit code 2 and the usage", async () => {
    const { io, err } = capture();
    expect(await main(["rotate-everything"], io)).toBe(2);
    expect(err.join("\n")).toContain('unknown command "rotate-everything"');
  });

  it("answers a bad flag value with exit code 2 naming the flag", async () => {
    const { io, err } = capture();
    expect(await main(["local-cloud", "--port", "99999"], io)).toBe(2);
    expect(err.join("\n")).toContain("--port expects a whole number from 0 to 65535");
  });

  it("runs the demo end to end without printing a secret value", async () => {
    const { io, out, err } = capture();
    const code = await main(["demo"], io);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const text = out.join("\n");
    expect(text).toMatch(/ACSCurrent/);
    expect(text).toMatch(/ACSPrevious/);
    expect(text).not.toMatch(/AccountPassword/);
    // The server's release as PostgreSQL writes it (18.4), not server_version_num.
    expect(text).toMatch(/PostgreSQL \d{1,2}\.\d{1,2} on 127\.0\.0\.1:\d+/);
    // The PostgreSQL act: three dual-account rotations under a logging-in application.
    expect(text).toMatch(/rotation 3: ACSCurrent is now account myapp_rt/);
    expect(text).toMatch(/application: [1-9]\d* logins as .*, 0 failed, across 3 rotations/);
  }, 120_000);
});
