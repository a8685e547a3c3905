/**
 * Sets STS up inside the local cloud: its durable session store, the
 * sessions' keys and policies, and the service-role helper FC uses to hand
 * a function its role's credentials.
 */
import type { Product } from "../product.ts";
import type { ProductDeps } from "../product-deps.ts";
import type { RamDirectory } from "../ram/ram-directory.ts";
import { serviceRoleIssuer } from "./service-role-issuer.ts";
import { createStsProduct } from "./sts-product.ts";
import { type SessionRecord, StsSessions } from "./sts-sessions.ts";

export async function openSts(deps: ProductDeps, ram: RamDirectory): Promise<Product> {
  const sessions = new StsSessions(ram, await deps.openStore<SessionRecord>("sts/sessions"));
  sessions.register(deps.identities);
  deps.identities.setServiceRoleIssuer(
    serviceRoleIssuer(ram, sessions, deps.options.now ?? Date.now),
  );
  return createStsProduct(ram, sessions);
}
