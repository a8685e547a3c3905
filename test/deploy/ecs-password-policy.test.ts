/**
 * templates/rotate-ecs-password/policy.json is sufficient and minimal on a real
 * sshd, over SSH and over Cloud Assistant: the rotate-ecs-password function,
 * running as a role with only that policy, rotates both ways; without any
 * one action a rotation calls it meets Forbidden.NoPermission (on each
 * transport that calls it); a secret outside `rotor/`, a privileged login
 * outside `rotor-privileged/` and, with the Cloud Assistant statement
 * narrowed to one instance, a secret naming another are refused.
 */
import { describeEcsPolicy } from "./support/ecs-policy-suite.ts";

describeEcsPolicy("ecs-password");
