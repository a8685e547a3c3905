/**
 * templates/rotate-ecs-password/policy.json is sufficient and minimal on a real
 * sshd, over SSH and over Cloud Assistant: the rotate-ecs-password function,
 * running as a role with only that policy (rendered for one instance),
 * rotates both ways; without any one action a rotation calls it meets
 * Forbidden.NoPermission (on each transport that calls it); a secret of
 * the other ECS kind (rotor/ecs-ssh-key/) or outside rotor/, a privileged login
 * outside rotor-privileged/, and a secret naming an instance the policy was
 * not rendered for are refused (support/ecs-policy-suite.ts).
 */
import { describeEcsPolicy } from "./support/ecs-policy-suite.ts";

describeEcsPolicy("ecs-password");
