/**
 * `@rotor/core/cloud-api`: the Alibaba Cloud OpenAPI clients, credentials,
 * endpoints and errors of `@rotor/cloud-api`, for users of `@rotor/core`.
 */
export * from "@rotor/cloud-api";
