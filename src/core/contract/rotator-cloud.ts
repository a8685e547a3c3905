/**
 * The cloud a rotator reaches through its context (`ctx.cloud`): a client
 * for each Alibaba Cloud product a built-in or custom rotator calls,
 * signed with the invocation's own identity. On Function Compute that is
 * the function role's keys from the invocation's context.credentials; with
 * no keys given (`rotor rotate` on a laptop) the standard Alibaba
 * credential chain. Endpoints come from the deployment (ROTOR_ENDPOINT,
 * ROTOR_ENDPOINT_<PRODUCT> in s.yaml, see @rotor/cloud-api endpoints.ts),
 * never from a secret's value or tags; a value names only a region.
 *
 * One cloud is opened per invocation and handed to every context of that
 * invocation, so two invocations served at once by one instance each call
 * as themselves. Clients are built at first use: a rotation that never
 * touches RDS builds no RDS client.
 */
import {
  type AccessKeyCredentials,
  EcsClient,
  type Env,
  KvstoreClient,
  PolarDbClient,
  RamClient,
  RdsClient,
  type RetryPolicy,
  StsClient,
  ValidationError,
} from "@rotor/cloud-api";

/**
 * What a region id looks like (cn-hangzhou, ap-southeast-1). A public
 * endpoint's host is built from the region, so a region that is not an id
 * (a custom rotator passing a tag or a value unchecked) could name another
 * host; the built-in rotators' value schemas check the same shape.
 */
const REGION_ID = /^[a-z0-9-]{1,64}$/;

/** What `ctx.cloud` hands a rotator. A region left undefined means the deployment's region. */
export interface RotatorCloud {
  /** ApsaraDB RDS (accounts of an instance). */
  rds(regionId?: string | undefined): RdsClient;
  /** PolarDB (accounts of a cluster). */
  polardb(regionId?: string | undefined): PolarDbClient;
  /** ApsaraDB for Redis/Tair (R-kvstore). */
  kvstore(regionId?: string | undefined): KvstoreClient;
  /** ECS, with Cloud Assistant (RunCommand, SendFile). */
  ecs(regionId?: string | undefined): EcsClient;
  /** RAM (users, AccessKeys). */
  ram(): RamClient;
  /**
   * STS as the invocation; or, given `credentials`, signed with those
   * instead: the proof that a key a rotation holds works (its own
   * GetCallerIdentity), never a way to borrow another identity's rights.
   */
  sts(options?: { credentials?: AccessKeyCredentials; retry?: Partial<RetryPolicy> }): StsClient;
}

/** Where and as whom the cloud of one invocation is called. */
export interface RotatorCloudAccess {
  /** The invocation's keys; absent: the standard Alibaba credential chain. */
  credentials?: AccessKeyCredentials | undefined;
  /**
   * One endpoint for every product, over the environment's: for a caller
   * that runs against a local cloud (the test kit, the crash campaign).
   * A deployed function leaves it out and reads ROTOR_ENDPOINT*.
   */
  endpoint?: string | undefined;
  /** Over ROTOR_RETRY_* and the default retry policy. */
  retry?: Partial<RetryPolicy> | undefined;
  /** Where ROTOR_ENDPOINT*, the region and ROTOR_RETRY_* are read; default process.env. */
  env?: Env | undefined;
}

/** The cloud of one invocation: each product's client built once per region, at first use. */
export function openRotatorCloud(access: RotatorCloudAccess = {}): RotatorCloud {
  const options = (regionId: string | undefined) => {
    if (regionId !== undefined && !REGION_ID.test(regionId)) {
      throw new ValidationError(
        `region ${JSON.stringify(regionId)} is not a region id (lowercase letters, digits and hyphens); no client was built`,
      );
    }
    return {
      credentials: access.credentials,
      endpoint: access.endpoint,
      retry: access.retry,
      env: access.env,
      ...(regionId === undefined ? {} : { region: regionId }),
    };
  };
  const rds = perRegion((regionId) => new RdsClient(options(regionId)));
  const polardb = perRegion((regionId) => new PolarDbClient(options(regionId)));
  const kvstore = perRegion((regionId) => new KvstoreClient(options(regionId)));
  const ecs = perRegion((regionId) => new EcsClient(options(regionId)));
  const ram = perRegion(() => new RamClient(options(undefined)));
  const sts = perRegion(() => new StsClient(options(undefined)));
  return {
    rds,
    polardb,
    kvstore,
    ecs,
    ram: () => ram(undefined),
    sts: (stsOptions = {}) => {
      if (stsOptions.credentials === undefined && stsOptions.retry === undefined) {
        return sts(undefined);
      }
      return new StsClient({
        ...options(undefined),
        ...(stsOptions.credentials ? { credentials: stsOptions.credentials } : {}),
        retry: { ...access.retry, ...stsOptions.retry },
      });
    },
  };
}

/** A client per region, built at its first use. */
function perRegion<T>(build: (regionId: string | undefined) => T) {
  const built = new Map<string, T>();
  return (regionId?: string | undefined): T => {
    const key = regionId ?? "";
    const known = built.get(key);
    if (known !== undefined) return known;
    const client = build(regionId);
    built.set(key, client);
    return client;
  };
}
