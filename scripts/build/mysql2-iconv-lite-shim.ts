/**
 * What the function bundles give mysql2 in place of iconv-lite (see
 * bundle-substitutions.ts). iconv-lite carries a table for every code page
 * MySQL has ever named: about 480 KiB minified, a quarter of the MySQL
 * function's bundle, for text the rotation never receives.
 *
 * mysql2 asks iconv-lite only for character sets Node's Buffer does not know
 * (its string parser tries Buffer first), through `getDecoder` and
 * `getEncoder`. Rotor connects with mysql2's default, utf8mb4, so query text
 * and result rows are UTF-8 and never come here. What does come here:
 * - `cesu8` (MySQL's utf8mb3): the handshake's server version and the
 *   authentication plugin's name, on every connection. Implemented below
 *   exactly as iconv-lite 0.7 does it, byte for byte;
 * - the server's own character set (`character_set_server`, sent in the
 *   handshake; RDS offers latin1, gbk and utf8 among others), in which
 *   mysql2 decodes the status text of an OK packet. That text is ASCII, and
 *   every ASCII-compatible character set MySQL names spells ASCII with the
 *   same bytes, so ASCII text is decoded and encoded as iconv-lite would.
 * Anything else (non-ASCII text in a legacy character set, UTF-16, UTF-32,
 * an unknown name) throws a ConfigError naming the character set, never the
 * text (which may hold a password).
 *
 * test/deploy/mysql2-iconv-lite-shim.test.ts checks both against the real
 * iconv-lite; the MySQL function's bundle rotates a real MariaDB account with
 * non-ASCII names and passwords in test/deploy/function-bundles.test.ts.
 */
import { ConfigError } from "@rotor/cloud-api";

/** iconv-lite's decoder interface, the part mysql2 calls. */
export interface StringDecoderLike {
  write(bytes: Buffer): string;
  end(): string | undefined;
}

/** iconv-lite's encoder interface, the part mysql2 calls. */
export interface StringEncoderLike {
  write(text: string): Buffer;
  end(): Buffer | undefined;
}

export interface DecoderOptions {
  /** false keeps a leading byte order mark; a function is called when one is removed. */
  stripBOM?: boolean | (() => void);
}

export interface EncoderOptions {
  /** Prepend a byte order mark to the first chunk (Unicode encodings only). */
  addBOM?: boolean;
}

/**
 * mysql2's names of character sets whose bytes 0x00–0x7F are ASCII in
 * iconv-lite, both ways (the test proves each against iconv-lite). Not
 * here on purpose: armscii8 (iconv-lite maps some ASCII bytes elsewhere),
 * utf16 and utf32 (two or four bytes a character), and names iconv-lite
 * itself does not know (dec8, hp8, swe7, keybcs2, geostd8, eucjpms).
 */
export const ASCII_COMPATIBLE_ENCODINGS: ReadonlySet<string> = new Set([
  "big5",
  "cp1250",
  "cp1251",
  "cp1256",
  "cp1257",
  "cp850",
  "cp852",
  "cp866",
  "cp932",
  "eucjp",
  "euckr",
  "gb18030",
  "gb2312",
  "gbk",
  "greek",
  "hebrew",
  "koi8r",
  "koi8u",
  "latin2",
  "latin5",
  "latin7",
  "macintosh",
  "macroman",
  "sjis",
  "tis620",
]);

const BYTE_ORDER_MARK = "\uFEFF";
const REPLACEMENT_CHARACTER = "\uFFFD";

export function getDecoder(encoding: string, options?: DecoderOptions): StringDecoderLike {
  const name = canonicalName(encoding);
  if (name === "cesu8") {
    const decoder = new Cesu8Decoder();
    return options?.stripBOM === false ? decoder : new ByteOrderMarkStripper(decoder, options);
  }
  if (ASCII_COMPATIBLE_ENCODINGS.has(name)) return new AsciiDecoder(encoding);
  throw unsupported(encoding);
}

export function getEncoder(encoding: string, options?: EncoderOptions): StringEncoderLike {
  const name = canonicalName(encoding);
  if (name === "cesu8") {
    const encoder = new Cesu8Encoder();
    return options?.addBOM ? new ByteOrderMarkPrepender(encoder) : encoder;
  }
  if (ASCII_COMPATIBLE_ENCODINGS.has(name)) return new AsciiEncoder(encoding);
  throw unsupported(encoding);
}

/** iconv-lite's spelling rule: lower case, letters and digits only, no trailing `:year`. */
function canonicalName(encoding: string): string {
  return String(encoding)
    .toLowerCase()
    .replace(/:\d{4}$|[^0-9a-z]/g, "");
}

function unsupported(encoding: string): ConfigError {
  return new ConfigError(
    `character set ${JSON.stringify(String(encoding))} is not supported by this function bundle: it decodes UTF-8 (utf8mb4, utf8mb3) and ASCII text only; set the server's character_set_server to utf8mb4`,
  );
}

function nonAscii(encoding: string): ConfigError {
  return new ConfigError(
    `non-ASCII text in character set ${JSON.stringify(encoding)} is not supported by this function bundle: it decodes UTF-8 (utf8mb4, utf8mb3) and ASCII text only; set the server's character_set_server to utf8mb4`,
  );
}

/**
 * CESU-8: UTF-8 for the Basic Multilingual Plane, and a character beyond it
 * as its two UTF-16 surrogates, three bytes each. Node's UTF-8 decoder turns
 * those surrogates into U+FFFD, hence a decoder of its own (as iconv-lite's).
 * Bytes are taken one at a time and the state carries over between writes.
 */
class Cesu8Decoder implements StringDecoderLike {
  /** Bits of the character being read so far. */
  private accumulated = 0;
  /** Continuation bytes still expected. */
  private expected = 0;
  /** Bytes of the character read so far. */
  private length = 0;

  write(bytes: Buffer): string {
    let text = "";
    for (const byte of bytes) {
      if ((byte & 0xc0) !== 0x80) {
        // A lead byte: whatever character was open is cut short.
        if (this.expected > 0) {
          text += REPLACEMENT_CHARACTER;
          this.expected = 0;
        }
        if (byte < 0x80) {
          text += String.fromCharCode(byte);
        } else if (byte < 0xe0) {
          this.accumulated = byte & 0x1f;
          this.expected = 1;
          this.length = 1;
        } else if (byte < 0xf0) {
          this.accumulated = byte & 0x0f;
          this.expected = 2;
          this.length = 1;
        } else {
          // Four-byte sequences are UTF-8, not CESU-8.
          text += REPLACEMENT_CHARACTER;
        }
        continue;
      }
      if (this.expected === 0) {
        text += REPLACEMENT_CHARACTER;
        continue;
      }
      this.accumulated = (this.accumulated << 6) | (byte & 0x3f);
      this.expected--;
      this.length++;
      if (this.expected > 0) continue;
      // Overlong forms are refused, except C0 80 for NUL (Modified UTF-8, as Java writes it).
      const overlong =
        (this.length === 2 && this.accumulated < 0x80 && this.accumulated > 0) ||
        (this.length === 3 && this.accumulated < 0x800);
      text += overlong ? REPLACEMENT_CHARACTER : String.fromCharCode(this.accumulated);
    }
    return text;
  }

  /**
   * A character left open at the end becomes U+FFFD. (iconv-lite 0.7 returns
   * "0\uFFFD" here and keeps the open character for the next value; mysql2
   * hands every value over whole, so a server never makes either happen.)
   */
  end(): string {
    if (this.expected === 0) return "";
    this.expected = 0;
    return REPLACEMENT_CHARACTER;
  }
}

/** UTF-16 code units one by one: a surrogate pair becomes two three-byte sequences. */
class Cesu8Encoder implements StringEncoderLike {
  write(text: string): Buffer {
    const bytes = Buffer.alloc(text.length * 3);
    let at = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit < 0x80) {
        bytes[at++] = unit;
      } else if (unit < 0x800) {
        bytes[at++] = 0xc0 | (unit >>> 6);
        bytes[at++] = 0x80 | (unit & 0x3f);
      } else {
        bytes[at++] = 0xe0 | (unit >>> 12);
        bytes[at++] = 0x80 | ((unit >>> 6) & 0x3f);
        bytes[at++] = 0x80 | (unit & 0x3f);
      }
    }
    return bytes.subarray(0, at);
  }

  end(): undefined {
    return undefined;
  }
}

/**
 * Drops a byte order mark from the start of the first text decoded, as
 * iconv-lite does for Unicode encodings. Like iconv-lite's, it looks only
 * once per decoder: mysql2 keeps one decoder per character set.
 */
class ByteOrderMarkStripper implements StringDecoderLike {
  private checked = false;

  constructor(
    private readonly decoder: StringDecoderLike,
    private readonly options: DecoderOptions | undefined,
  ) {}

  write(bytes: Buffer): string {
    const text = this.decoder.write(bytes);
    if (this.checked || !text) return text;
    this.checked = true;
    if (!text.startsWith(BYTE_ORDER_MARK)) return text;
    if (typeof this.options?.stripBOM === "function") this.options.stripBOM();
    return text.slice(1);
  }

  end(): string | undefined {
    return this.decoder.end();
  }
}

class ByteOrderMarkPrepender implements StringEncoderLike {
  private pending = true;

  constructor(private readonly encoder: StringEncoderLike) {}

  write(text: string): Buffer {
    if (!this.pending) return this.encoder.write(text);
    this.pending = false;
    return this.encoder.write(BYTE_ORDER_MARK + text);
  }

  end(): Buffer | undefined {
    return this.encoder.end();
  }
}

class AsciiDecoder implements StringDecoderLike {
  constructor(private readonly encoding: string) {}

  write(bytes: Buffer): string {
    for (const byte of bytes) {
      if (byte >= 0x80) throw nonAscii(this.encoding);
    }
    return bytes.toString("latin1");
  }

  end(): undefined {
    return undefined;
  }
}

class AsciiEncoder implements StringEncoderLike {
  constructor(private readonly encoding: string) {}

  write(text: string): Buffer {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) >= 0x80) throw nonAscii(this.encoding);
    }
    return Buffer.from(text, "latin1");
  }

  end(): undefined {
    return undefined;
  }
}
