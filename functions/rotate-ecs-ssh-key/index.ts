// FC entry point of the ECS SSH key rotator's function (runtime nodejs20,
// handler index.handler). Secrets tagged rotor:rotator=ecs-ssh-key; the
// function needs a network path to the servers' SSH port (vpcConfig).
import { createRotationHandler } from "../../src/handler/create-rotation-handler.ts";
import { ecsSshKeyRotator } from "../../src/rotators/ecs/ecs-ssh-key-rotator.ts";

export const handler = createRotationHandler({ rotators: [ecsSshKeyRotator] });
