// FC entry point of the ECS SSH key rotator's function (runtime nodejs20,
// handler index.handler). Secrets tagged rotor:rotator=ecs-ssh-key; the
// function needs a network path to the servers' SSH port (vpcConfig).
export { handler } from "@rotor/core/functions/rotate-ecs-ssh-key";
