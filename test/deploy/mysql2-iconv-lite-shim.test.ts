/**
 * The stand-in the function bundles give mysql2 for iconv-lite answers as
 * the real iconv-lite (installed with mysql2) does, for every call mysql2
 * can make with a UTF-8 connection, and refuses the rest by name. The
 * bundle-level proof (a real MariaDB rotation through the MySQL function's
 * bundle) is in test/deploy/function-bundles.test.ts.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ASCII_COMPATIBLE_ENCODINGS,
  getDecoder,
  getEncoder,
} from "../../scripts/build/mysql2-iconv-lite-shim.ts";
import { ConfigError } from "../../src/cloud-api/errors.ts";

interface IconvLite {
  getDecoder(encoding: string, options?: object): { write(b: Buffer): string; end(): unknown };
  getEncoder(encoding: string, options?: object): { write(s: string): Buffer; end(): unknown };
  encodingExists(encoding: string): boolean;
}

// The real one, as mysql2 resolves it.
const require = createRequire(import.meta.url);
const mysql2Folder = dirname(require.resolve("mysql2"));
const iconv = require(require.resolve("iconv-lite", { paths: [mysql2Folder] })) as IconvLite;
// Every name mysql2 maps a MySQL character set to (its package exports do not list the file).
const charsetEncodings = require(join(mysql2Folder, "lib/constants/charset_encodings.js")) as (
  | string
  | undefined
)[];

const ASCII = Buffer.from(Array.from({ length: 128 }, (_, byte) => byte));

describe("mysql2's iconv-lite stand-in", () => {
  it("decodes any bytes as cesu8 exactly as iconv-lite does", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 3 }),
        (chunks) => {
          // Prepare: one decoder each, fed the same chunks in turn (mysql2 reuses its decoders).
          const ours = getDecoder("cesu8");
          const theirs = iconv.getDecoder("cesu8");

          // Act
          const decoded = chunks.map((chunk) => [
            ours.write(Buffer.from(chunk)),
            theirs.write(Buffer.from(chunk)),
          ]);

          // Assess
          for (const [mine, real] of decoded) expect(mine).toBe(real);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("encodes any text as cesu8 exactly as iconv-lite does, and reads it back", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        // Act
        const bytes = getEncoder("cesu8").write(text);

        // Assess
        expect(bytes.equals(iconv.getEncoder("cesu8").write(text))).toBe(true);
        if (!/[\uD800-\uDFFF]/.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""))) {
          // Well-formed text (no lone surrogate) comes back unchanged.
          expect(getDecoder("cesu8", { stripBOM: false }).write(bytes)).toBe(text);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("reads utf8mb3 text beyond ASCII and a surrogate pair", () => {
    // Prepare: "Zürich 東京 😀" as a MySQL utf8mb3 (CESU-8) column would hold it.
    const text = "Zürich 東京 😀";
    const bytes = iconv.getEncoder("cesu8").write(text);

    // Act
    const decoder = getDecoder("cesu8");
    const decoded = decoder.write(bytes) + (decoder.end() ?? "");

    // Assess
    expect(decoded).toBe(text);
  });

  it("strips a byte order mark from the first value only, as iconv-lite does", () => {
    // Prepare
    const withMark = Buffer.from("\uFEFFabc", "utf8");
    const ours = getDecoder("cesu8");
    const theirs = iconv.getDecoder("cesu8");

    // Act
    const first = [ours.write(withMark), theirs.write(withMark)];
    const second = [ours.write(withMark), theirs.write(withMark)];

    // Assess
    expect(first).toEqual(["abc", "abc"]);
    expect(second).toEqual(["\uFEFFabc", "\uFEFFabc"]);
    expect(getDecoder("cesu8", { stripBOM: false }).write(withMark)).toBe("\uFEFFabc");
  });

  it("ends a value cut inside a character with one replacement character", () => {
    // Prepare: the first two of the three bytes of "東".
    const decoder = getDecoder("cesu8");

    // Act
    const text = decoder.write(Buffer.from([0xe6, 0x9d])) + (decoder.end() ?? "");
    const next = decoder.write(Buffer.from("ok"));

    // Assess
    expect(text).toBe("\uFFFD");
    expect(next).toBe("ok");
  });

  it("lists exactly mysql2's character sets that iconv-lite spells ASCII as ASCII", () => {
    // Prepare: the names Buffer does not know, which mysql2 hands to iconv-lite.
    const names = [...new Set(charsetEncodings.filter((name) => name !== undefined))].filter(
      (name) => !Buffer.isEncoding(name) && name !== "cesu8",
    );

    // Act
    const compatible = names.filter((name) => {
      if (!iconv.encodingExists(name)) return false;
      const decoded = iconv.getDecoder(name, { stripBOM: false }).write(ASCII);
      const encoded = iconv.getEncoder(name).write(ASCII.toString("latin1"));
      return decoded === ASCII.toString("latin1") && encoded.equals(ASCII);
    });

    // Assess
    expect([...ASCII_COMPATIBLE_ENCODINGS].sort()).toEqual(compatible.sort());
  });

  it("decodes and encodes ASCII text in each of those character sets as iconv-lite does", () => {
    for (const name of ASCII_COMPATIBLE_ENCODINGS) {
      // Act
      const decoded = getDecoder(name).write(ASCII);
      const encoded = getEncoder(name).write("Rows matched: 1  Changed: 1  Warnings: 0");

      // Assess
      expect(decoded, name).toBe(iconv.getDecoder(name).write(ASCII));
      expect(
        encoded.equals(iconv.getEncoder(name).write("Rows matched: 1  Changed: 1  Warnings: 0")),
        name,
      ).toBe(true);
    }
  });

  it("refuses non-ASCII text in a legacy character set, naming the set and not the text", () => {
    // Prepare: "密码" (password) in GBK.
    const secretText = "密码-s3cr3t";
    const bytes = iconv.getEncoder("gbk").write(secretText);

    // Act
    const decoding = () => getDecoder("gbk").write(bytes);
    const encoding = () => getEncoder("gbk").write(secretText);

    // Assess
    for (const attempt of [decoding, encoding]) {
      expect(attempt).toThrow(ConfigError);
      expect(attempt).toThrow(/"gbk".*utf8mb4/);
      expect(attempt).not.toThrow(/s3cr3t|密码/);
    }
  });

  it("refuses character sets it does not carry, naming them", () => {
    for (const name of ["utf16", "utf32", "armscii8", "swe7", "no-such-set"]) {
      expect(() => getDecoder(name), name).toThrow(new RegExp(`"${name}".*not supported`));
      expect(() => getEncoder(name), name).toThrow(ConfigError);
    }
  });
});
