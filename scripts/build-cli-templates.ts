/**
 * The `rotor` package's build step after tsc (its `npm run build`): copies
 * the policy templates into src/cli/dist/templates/
 * (scripts/build/cli-policy-templates.ts).
 */
import { join } from "node:path";
import { REPO_ROOT } from "./build/bundle-functions.ts";
import { copyPolicyTemplates } from "./build/cli-policy-templates.ts";

const files = await copyPolicyTemplates(join(REPO_ROOT, "src/cli/dist/templates"));
process.stdout.write(`copied ${files.length} policy templates into src/cli/dist/templates/\n`);
