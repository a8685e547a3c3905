/**
 * EventBridgeClient on the wire: it sends PutEvents as the official
 * 2020-04-01 SDK does (RPC, signed V3 by `@alicloud/openapi-client`,
 * EventBusName and EventList in a form body), the local cloud accepts that
 * form from the official client with either signature, the endpoint comes
 * from ROTOR_ENDPOINT_EVENTBRIDGE before ROTOR_ENDPOINT, and calls are
 * retried as every other client's are: throttling (the local cloud's 429,
 * EventBridge's `TooManyRequests`) until they pass, a refusal never.
 * Answers a real server can give but the local cloud does not (throttling
 * with EventBridge's own code, a 200 that says it failed) come from a
 * stand-in server.
 */
import { randomUUID } from "node:crypto";
import * as openapiModule from "@alicloud/openapi-client";
import * as teaUtilModule from "@alicloud/tea-util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commonJsDefault } from "../../../src/cloud-api/commonjs-default.ts";
import { resolveEndpoint } from "../../../src/cloud-api/endpoints.ts";
import { ApiError } from "../../../src/cloud-api/errors.ts";
import { EventBridgeClient } from "../../../src/cloud-api/eventbridge-client.ts";
import type { CallRecord } from "../../../src/cloud-api/openapi-caller.ts";
import { apiFailureOf } from "../../support/api-failure.ts";
import { startTestCloud, type TestCloud } from "../../support/local-cloud.ts";
import { type RogueServer, startRogueServer } from "../../support/rogue-http-server.ts";

const OpenApiClient = commonJsDefault(openapiModule);
const KEYS = { accessKeyId: "LTAI-test-key", accessKeySecret: "test-key-secret-value" };
const ACCEPTED = {
  status: 200,
  json: {
    RequestId: "REQ-1",
    Code: "200",
    Success: true,
    Data: { FailedEntryCount: 0, EntryList: [{ EventId: "e-1", TraceId: "T-1" }] },
  },
};

let rogue: RogueServer;
let cloud: TestCloud;

beforeAll(async () => {
  rogue = await startRogueServer({ answer: ACCEPTED });
  cloud = await startTestCloud({ inMemory: true });
});
afterAll(async () => {
  await rogue.close();
  await cloud.close();
});

function rogueClient(retryAttempts = 1): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: rogue.origin,
    credentials: KEYS,
    retry: { attempts: retryAttempts, baseDelayMs: 1, maxDelayMs: 5 },
  });
}

describe("EventBridgeClient on the wire", () => {
  it("sends PutEvents as the official SDK does: RPC POST /, version 2020-04-01, V3-signed, a form body", async () => {
    rogue.requests.length = 0;
    rogue.answer(ACCEPTED);

    const result = await rogueClient().putEvents("rotor", [
      {
        id: "e-1",
        source: "rotor",
        type: "rotor.rotation.failed",
        subject: "app/db",
        time: "2024-06-01T08:00:00Z",
        data: { step: "setSecret" },
      },
    ]);

    expect(result).toEqual({
      failedEntryCount: 0,
      events: [{ id: "e-1", source: "rotor", eventId: "e-1", traceId: "T-1" }],
      requestIds: ["REQ-1"],
    });
    const [request] = rogue.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/");
    expect(request?.headers["x-acs-action"]).toBe("PutEvents");
    expect(request?.headers["x-acs-version"]).toBe("2020-04-01");
    expect(String(request?.headers.authorization)).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI-test-key,/,
    );
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const form = new URLSearchParams(request?.body);
    expect([...form.keys()].sort()).toEqual(["EventBusName", "EventList"]);
    expect(form.get("EventBusName")).toBe("rotor");
    expect(JSON.parse(form.get("EventList") ?? "")).toEqual([
      {
        Id: "e-1",
        Source: "rotor",
        Type: "rotor.rotation.failed",
        SpecVersion: "1.0",
        Time: "2024-06-01T08:00:00Z",
        Subject: "app/db",
        DataContentType: "application/json",
        Data: { step: "setSecret" },
      },
    ]);
  });

  it("takes its endpoint from ROTOR_ENDPOINT_EVENTBRIDGE before ROTOR_ENDPOINT, else the control plane's public host", async () => {
    rogue.requests.length = 0;
    rogue.answer(ACCEPTED);
    const client = new EventBridgeClient({
      credentials: KEYS,
      retry: { attempts: 1 },
      env: { ROTOR_ENDPOINT: "http://127.0.0.1:9", ROTOR_ENDPOINT_EVENTBRIDGE: rogue.origin },
    });

    await client.putEvents("rotor", [{ id: "e-1", source: "rotor", type: "t" }]);

    expect(rogue.requests).toHaveLength(1);
    expect(resolveEndpoint("eventbridge", "cn-shanghai", {})).toEqual({
      host: "eventbridge-console.cn-shanghai.aliyuncs.com",
      protocol: "https",
    });
  });

  it("retries EventBridge's TooManyRequests, and never a refusal", async () => {
    rogue.requests.length = 0;
    rogue.answer({
      status: 429,
      json: { RequestId: "R", Code: "TooManyRequests", Message: "slow down" },
    });
    const throttled = await apiFailureOf(
      rogueClient(3).putEvents("rotor", [{ id: "e", source: "rotor", type: "t" }]),
    );
    const throttledAttempts = rogue.requests.length;

    rogue.requests.length = 0;
    rogue.answer({
      status: 409,
      json: { RequestId: "R", Code: "EventBusNotExist", Message: "no bus" },
    });
    const refused = await apiFailureOf(
      rogueClient(3).putEvents("rotor", [{ id: "e", source: "rotor", type: "t" }]),
    );

    expect(throttled).toMatchObject({ code: "TooManyRequests", statusCode: 429 });
    expect(throttledAttempts).toBe(3);
    expect(refused).toMatchObject({ code: "EventBusNotExist", statusCode: 409 });
    expect(rogue.requests).toHaveLength(1);
  });

  it("treats a 200 answer that says it failed as the error it names", async () => {
    rogue.answer({
      status: 200,
      json: {
        RequestId: "R-9",
        Code: "EventBusNotExist",
        Message: "The event bus [x] not existed!",
        Success: false,
      },
    });

    const failure = await apiFailureOf(rogueClient().queryEvent({ busName: "x", eventId: "e" }));

    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({
      code: "EventBusNotExist",
      requestId: "R-9",
      action: "QueryEvent",
    });
  });
});

describe("the local cloud's PutEvents", () => {
  it("accepts the official OpenAPI client's request with signature V3 and V1", async () => {
    const eventBridge = new EventBridgeClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
    });
    for (const signatureAlgorithm of [undefined, "v2"]) {
      const client = new OpenApiClient(
        new openapiModule.Config({
          ...cloud.credentials,
          endpoint: `127.0.0.1:${cloud.port}`,
          protocol: "http",
          regionId: cloud.region,
          signatureAlgorithm,
        }),
      );
      const id = randomUUID();
      const response = (await client.callApi(
        new openapiModule.Params({
          action: "PutEvents",
          version: "2020-04-01",
          protocol: "HTTPS",
          pathname: "/",
          method: "POST",
          authType: "AK",
          style: "RPC",
          reqBodyType: "formData",
          bodyType: "json",
        }),
        new openapiModule.OpenApiRequest({
          body: {
            EventBusName: "default",
            EventList: JSON.stringify([{ Id: id, Source: "sdk", Type: "t", Data: { n: 1 } }]),
          },
        }),
        new teaUtilModule.RuntimeOptions({ autoretry: false }),
      )) as { body: { Success: boolean; Data: { FailedEntryCount: number } } };

      expect(response.body.Success).toBe(true);
      expect(response.body.Data.FailedEntryCount).toBe(0);
      const stored = await eventBridge.queryEvent({
        busName: "default",
        eventId: id,
        eventSource: "sdk",
      });
      expect(stored.data).toEqual({ n: 1 });
    }
  });

  it("throttled (throttle: {PutEvents: 2}), is published in full by a client that retries", async () => {
    const throttled = await startTestCloud({ inMemory: true, throttle: { PutEvents: 2 } });
    try {
      const attempts: CallRecord[] = [];
      const client = new EventBridgeClient({
        endpoint: throttled.endpoint,
        credentials: throttled.credentials,
        retry: { attempts: 20, baseDelayMs: 100, maxDelayMs: 1_000 },
        observer: { before: (call) => void attempts.push(call) },
      });
      const events = Array.from({ length: 6 }, () => ({
        id: randomUUID(),
        source: "rotor",
        type: "t",
      }));

      const results = await Promise.all(
        events.map((event) => client.putEvents("default", [event])),
      );

      expect(results.every((result) => result.failedEntryCount === 0)).toBe(true);
      expect(attempts.length).toBeGreaterThan(6);
      const page = await client.queryTracedEvents({
        busName: "default",
        startTime: 0,
        endTime: Date.now() + 60_000,
      });
      expect(page.total).toBe(6);
    } finally {
      await throttled.close();
    }
  });
});
