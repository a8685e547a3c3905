/**
 * A throwaway certificate authority and a server certificate it signed, for
 * TLS tests, made with the openssl command line in a temp folder.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCertificates {
  /** PEM of the authority: what a client trusts. */
  ca: string;
  certificate: string;
  key: string;
}

/** A server certificate for `names` (DNS names and IP addresses), signed by a fresh authority. */
export async function issueServerCertificate(names: {
  dns: string[];
  ip: string[];
}): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "rotor-tls-"));
  const file = (name: string) => join(dir, name);
  try {
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=Rotor test CA",
      "-keyout",
      file("ca-key.pem"),
      "-out",
      file("ca.pem"),
    ]);
    await run("openssl", [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=rotor-test-server",
      "-keyout",
      file("server-key.pem"),
      "-out",
      file("server.csr"),
    ]);
    const altNames = [...names.dns.map((n) => `DNS:${n}`), ...names.ip.map((n) => `IP:${n}`)].join(
      ",",
    );
    await writeFile(file("ext.cnf"), `subjectAltName=${altNames}\n`);
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      file("server.csr"),
      "-CA",
      file("ca.pem"),
      "-CAkey",
      file("ca-key.pem"),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      file("ext.cnf"),
      "-out",
      file("server.pem"),
    ]);
    return {
      ca: await readFile(file("ca.pem"), "utf8"),
      certificate: await readFile(file("server.pem"), "utf8"),
      key: await readFile(file("server-key.pem"), "utf8"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
