/**
 * The local cloud's HTTP server: Alibaba Cloud's RPC-style OpenAPI on
 * 127.0.0.1. Each request is read, authenticated (signature V3 or V1),
 * throttled if configured, routed by API version to a product and by
 * action to its handler, and answered in Alibaba's JSON shapes.
 */
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CloudApiError, cloudErrors } from "./api-error.ts";
import { authenticate } from "./auth/authenticate.ts";
import { NonceRegistry } from "./auth/nonce-registry.ts";
import { signedAction } from "./auth/signed-action.ts";
import type { SignedRequest } from "./auth/signed-request.ts";
import type { LocalFunctionCompute } from "./fc/fc-product.ts";
import { Identities, type RoleCredentials, type ServiceRoleRequest } from "./identity.ts";
import type { LocalCloudOptions } from "./local-cloud-options.ts";
import { authorizeCall } from "./policy/authorize.ts";
import { isRawReply, type Product, RAW_REPLY } from "./product.ts";
import { buildProducts } from "./products.ts";
import { loadRootAccount } from "./root-account.ts";
import { openSecretLedger } from "./secret-ledger.ts";
import { StateCipher } from "./state/encryption.ts";
import { RecordStore } from "./state/record-store.ts";
import { lockStateFolder } from "./state/state-lock.ts";
import { Throttle } from "./throttle.ts";
import { resolveQuotas } from "./throttling/alibaba-kms-quotas.ts";
import { CallStats, type CallStatsSnapshot } from "./throttling/call-stats.ts";

export type { LocalCloudOptions };

export interface RunningLocalCloud {
  /** e.g. `http://127.0.0.1:8765`: give it to clients as ROTOR_ENDPOINT. */
  endpoint: string;
  port: number;
  region: string;
  accountId: string;
  /** The root account's AccessKey. */
  credentials: { accessKeyId: string; accessKeySecret: string };
  /** Where the root credentials are kept (a file path) or where they came from. */
  credentialsSource: string;
  stateDir: string | undefined;
  /**
   * STS credentials of a RAM role for a cloud service, as Function Compute
   * hands a function its role's keys. The role's trust policy must allow the
   * service (default `fc.aliyuncs.com`); the credentials expire after
   * `durationSeconds` (default 3600) of the cloud's clock.
   */
  assumeRoleForService(request: ServiceRoleRequest): Promise<RoleCredentials>;
  /** The local Function Compute: deploy functions here, then invoke them through the FC API. */
  fc: LocalFunctionCompute;
  /**
   * Calls, throttled calls and peak rates per action and quota group, the
   * process's memory and the state's size (also served at GET /.rotor/stats).
   */
  callStats(): CallStatsSnapshot;
  /** Starts the counts and peaks again (also POST /.rotor/stats/reset). */
  resetCallStats(): void;
  close(): Promise<void>;
}

/** Local-only paths beside the API: not Alibaba's, never authenticated, never secret. */
const STATS_PATH = "/.rotor/stats";
const STATS_RESET_PATH = "/.rotor/stats/reset";

/** Query strings carry every parameter (SecretData up to 30 KB, percent-encoded up to 3x). */
const MAX_HEADER_BYTES = 512 * 1024;
/** Form bodies too: EventBridge's PutEvents sends up to 256 KB of events, percent-encoded up to 3x. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function createLocalCloud(
  options: LocalCloudOptions = {},
): Promise<RunningLocalCloud> {
  const region = options.region ?? "cn-hangzhou";
  const now = options.now ?? Date.now;
  const stateDir = options.stateDir;
  const quotas = options.quotas === undefined ? undefined : resolveQuotas(options.quotas);
  const loadStarted = performance.now();
  const state = await openStateFolder(stateDir);
  let root: Awaited<ReturnType<typeof loadRootAccount>>;
  let identities: Identities;
  let built: Awaited<ReturnType<typeof buildProducts>>;
  try {
    root = await loadRootAccount(stateDir, options.rootCredentials);
    identities = new Identities(root);
    built = await buildProducts({
      region,
      accountId: root.accountId,
      rootCredentials: { accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret },
      identities,
      options,
      quotas,
      openStore: state.openStore,
    });
  } catch (error) {
    await state.release();
    throw error;
  }
  const ledger = openSecretLedger(options.secretLedgerFile);
  ledger.record(root.accessKeySecret);
  const products = new Map<string, Product>();
  for (const product of built.products) products.set(product.apiVersion, product);
  const loadMs = performance.now() - loadStarted;
  const nonces = new NonceRegistry();
  const throttle = new Throttle(options.throttle, quotas);
  const stats = new CallStats(quotas?.preset, quotas?.groups ?? [], () => ({
    secrets: built.secretCount(),
    loadMs: Math.round(loadMs),
  }));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID().toUpperCase();
    const started = Date.now();
    let action = "?";
    let productCode = "unknown";
    try {
      const request = await readRequest(req);
      const params = { ...request.form, ...request.query };
      // What the request claims, for the log line and error envelope of a request refused unsigned.
      action = request.headers["x-acs-action"] ?? params.Action ?? "";
      productCode =
        products.get(request.headers["x-acs-version"] ?? params.Version ?? "")?.code ?? "unknown";
      // Signatures are checked against the real clock (clients sign with it);
      // the simulated clock only moves the cloud's own time.
      const { principal, signatureVersion } = authenticate(
        request,
        identities,
        nonces,
        Date.now(),
        now(),
      );
      // From here on, only what the signature covers decides what runs.
      const signed = signedAction(request, signatureVersion);
      action = signed.action;
      const version = signed.version;
      const product = products.get(version);
      productCode = product?.code ?? "unknown";
      if (!product)
        throw cloudErrors.invalidParameter(
          "Version",
          `no product of the local cloud has the API version ${JSON.stringify(version)}`,
        );
      const handler = Object.hasOwn(product.actions, action) ? product.actions[action] : undefined;
      if (!handler) throw cloudErrors.unknownAction(action, version);
      // Real time: a simulated clock may stand still.
      const throttledAt = Date.now();
      const verdict = throttle.admit(product.code, action, throttledAt);
      stats.record(
        { product: product.code, action, group: verdict.group },
        verdict.admitted,
        throttledAt,
      );
      if (!verdict.admitted) throw cloudErrors.throttled(action, verdict.group);
      const result = await handler({
        action,
        params,
        principal,
        requestId,
        now: now(),
        authorize: (ramAction, resource) =>
          authorizeCall(identities, product.code, principal, ramAction, resource),
        http: { path: request.rawPath, headers: request.headers, body: request.body },
      });
      if (isRawReply(result)) {
        const reply = result[RAW_REPLY];
        res.writeHead(reply.status, {
          "x-fc-request-id": requestId,
          "content-length": reply.body.length,
          ...reply.headers,
        });
        res.end(reply.body);
      } else {
        ledger.recordCall(action, params, result);
        send(res, 200, { RequestId: requestId, ...dropUndefined(result) });
      }
      options.log?.(`${action} 200 ${Date.now() - started}ms ${requestId}`);
    } catch (error) {
      const apiError =
        error instanceof CloudApiError
          ? error
          : new CloudApiError(
              500,
              "InternalFailure",
              "The request processing has failed due to some unknown error.",
            );
      if (!(error instanceof CloudApiError)) {
        // Internal errors are logged by type only: their message could quote a parameter.
        options.log?.(`internal error in ${action}: ${(error as Error)?.name ?? typeof error}`);
      }
      send(res, apiError.statusCode, {
        RequestId: requestId,
        HostId: hostIdFor(productCode, region),
        Code: apiError.code,
        Message: apiError.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(apiError.code)}&product=${productCode}&requestId=${requestId}`,
      });
      options.log?.(
        `${action} ${apiError.statusCode} ${apiError.code} ${Date.now() - started}ms ${requestId}`,
      );
    }
  };

  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, keepAliveTimeout: 30_000 },
    (req, res) => {
      if (req.url === STATS_PATH || req.url === STATS_RESET_PATH) serveStats(req, res, stats);
      else void handle(req, res);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await state.release();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    region,
    accountId: root.accountId,
    credentials: { accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret },
    credentialsSource: root.credentialsSource,
    stateDir,
    fc: built.fc,
    assumeRoleForService: (request) => identities.assumeRoleForService(request),
    callStats: () => stats.snapshot(),
    resetCallStats: () => stats.reset(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }).then(() => state.release());
      return closing;
    },
  };
}

/**
 * The state folder, locked to this cloud (state/state-lock.ts), with its
 * cipher; its stores are closed and the lock released together.
 */
async function openStateFolder(stateDir: string | undefined): Promise<{
  openStore<T>(name: string): Promise<RecordStore<T>>;
  release(): Promise<void>;
}> {
  if (stateDir === undefined) {
    return { openStore: () => RecordStore.open(undefined, undefined), release: async () => {} };
  }
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const unlock = await lockStateFolder(stateDir);
  const opened: RecordStore<unknown>[] = [];
  const release = async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => {});
    await unlock();
  };
  let cipher: StateCipher;
  try {
    cipher = await StateCipher.open(stateDir);
  } catch (error) {
    await release();
    throw error;
  }
  return {
    async openStore<T>(name: string) {
      const store = await RecordStore.open<T>(join(stateDir, name), cipher);
      opened.push(store as RecordStore<unknown>);
      return store;
    },
    release,
  };
}

/** GET /.rotor/stats answers the counts; POST /.rotor/stats/reset restarts them. */
function serveStats(req: IncomingMessage, res: ServerResponse, stats: CallStats): void {
  req.resume();
  if (req.url === STATS_PATH && req.method === "GET") {
    send(res, 200, stats.snapshot() as unknown as Record<string, unknown>);
  } else if (req.url === STATS_RESET_PATH && req.method === "POST") {
    stats.reset();
    send(res, 200, { reset: true });
  } else {
    send(res, 405, {
      Code: "MethodNotAllowed",
      Message: `use GET ${STATS_PATH} or POST ${STATS_RESET_PATH}`,
    });
  }
}

function hostIdFor(productCode: string, region: string): string {
  return productCode === "unknown" ? "localhost" : `${productCode}.${region}.aliyuncs.com`;
}

async function readRequest(req: IncomingMessage): Promise<SignedRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new CloudApiError(413, "InvalidParameter", "The request body is too large.");
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const url = req.url ?? "/";
  const queryStart = url.indexOf("?");
  const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
  const query = parseQuery(queryStart < 0 ? "" : url.slice(queryStart + 1));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const form: Record<string, string> = {};
  if ((headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(body.toString("utf8"))) form[key] = value;
  }
  return { method: req.method ?? "GET", rawPath, query, form, headers, body };
}

/** RFC 3986 decoding: `+` stays a plus (clients encode a space as %20). */
function parseQuery(text: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const pair of text.split("&")) {
    if (!pair) continue;
    const equals = pair.indexOf("=");
    const rawKey = equals < 0 ? pair : pair.slice(0, equals);
    const rawValue = equals < 0 ? "" : pair.slice(equals + 1);
    try {
      query[decodeURIComponent(rawKey)] = decodeURIComponent(rawValue);
    } catch {
      throw new CloudApiError(
        400,
        "InvalidParameter",
        "The query string is not valid percent-encoding.",
      );
    }
  }
  return query;
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json;charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...(body.RequestId === undefined ? {} : { "x-acs-request-id": String(body.RequestId) }),
  });
  res.end(text);
}
