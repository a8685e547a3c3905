// FC entry point of the ECS password rotator's function (runtime nodejs20,
// handler index.handler). Secrets tagged rotor:rotator=ecs-password; the
// function needs a network path to the servers' SSH port (vpcConfig).
import { createRotationHandler } from "../../src/handler/create-rotation-handler.ts";
import { ecsPasswordRotator } from "../../src/rotators/ecs/ecs-password-rotator.ts";

export const handler = createRotationHandler({ rotators: [ecsPasswordRotator] });
