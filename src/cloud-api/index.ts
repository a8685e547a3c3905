/**
 * `@rotor/cloud-api`: typed clients of the Alibaba Cloud OpenAPI products
 * Rotor calls (KMS, RAM, STS, RDS, ECS Cloud Assistant, EventBridge,
 * Redis/Tair, PolarDB), the credentials and endpoints they are called with,
 * the environment variables Rotor reads, the rules by which a failed call
 * is retried, and the error hierarchy every Rotor package throws.
 */
export * from "./commonjs-default.ts";
export * from "./credentials.ts";
export * from "./ecs-client.ts";
export * from "./endpoints.ts";
export * from "./env.ts";
export * from "./errors.ts";
export * from "./eventbridge-client.ts";
export * from "./kms-client.ts";
export * from "./kvstore-client.ts";
export * from "./openapi-caller.ts";
export * from "./polardb-client.ts";
export * from "./ram-client.ts";
export * from "./rds-client.ts";
export * from "./retry-policy.ts";
export * from "./retry-rules.ts";
export * from "./sdk-error.ts";
export * from "./sts-client.ts";
export * from "./with-retries.ts";
