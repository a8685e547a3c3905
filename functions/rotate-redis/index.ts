// FC entry point of the Redis/Tair rotator's function (runtime nodejs20, handler index.handler).
// The function needs a network path to the Redis server (vpcConfig), KMS read access to the
// master secret named in a self-managed server's secret, and R-kvstore rights on ApsaraDB instances.
export { handler } from "@rotor/core/functions/rotate-redis";
