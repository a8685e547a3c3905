/**
 * PostgreSQL's stored form of a password (RFC 5802 / RFC 7677, as
 * PostgreSQL writes it): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
 * PostgreSQL takes a verifier in place of a password in CREATE ROLE and
 * ALTER ROLE and stores it as it is, so the password itself never reaches
 * the server: not in a statement, not in its logs.
 *
 * RDS passwords are ASCII letters, digits and a few specials, which SASLprep
 * leaves unchanged, so no normalisation is needed here.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/** PostgreSQL's own default (scram_iterations). */
const ITERATIONS = 4096;
const SALT_BYTES = 16;

export function scramSha256Verifier(password: string): string {
  const salt = randomBytes(SALT_BYTES);
  const salted = pbkdf2Sync(Buffer.from(password, "utf8"), salt, ITERATIONS, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
