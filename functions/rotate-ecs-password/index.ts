// FC entry point of the ECS password rotator's function (runtime nodejs20,
// handler index.handler). Secrets tagged rotor:rotator=ecs-password; the
// function needs a network path to the servers' SSH port (vpcConfig).
export { handler } from "@rotor/core/functions/rotate-ecs-password";
