// FC entry point of the PostgreSQL rotator's function (runtime nodejs20, handler index.handler).
// The function needs a network path to the database (vpcConfig) and KMS read access to the
// master secret named in the rotated secret's value.
export { handler } from "@rotor/core/functions/rotate-postgres";
