/**
 * What the function bundles give @alicloud/openapi-core and
 * @alicloud/fc20230330 in place of @darabonba/typescript's index (see
 * bundle-substitutions.ts). That index loads the whole Darabonba runtime at
 * once, its WebSocket client with ws and three proxy agents, its date
 * helper with moment and its merge with lodash among it; invoking a
 * function through these two packages uses none of them. Here they get the
 * parts they use (core, errors, retries, streams, forms, URLs), XML only
 * once an answer is XML (an error body), and the two helpers of `func` they
 * call (isNull, sleep) without lodash. openapi-core's WebSocket handlers
 * extend a base class when they load, so there is one; it refuses to be
 * used. Any other name fails with a message instead of being undefined.
 */
"use strict";

const core = require("@darabonba/typescript/dist/core.js");
const errors = require("@darabonba/typescript/dist/error.js");
const retry = require("@darabonba/typescript/dist/retry.js");
const stream = require("@darabonba/typescript/dist/stream.js");
const form = require("@darabonba/typescript/dist/form.js");
const url = require("@darabonba/typescript/dist/url.js");

const SHIM = "scripts/build/darabonba-typescript-shim.cjs";

function notBundled(what) {
  const why = /WebSocket/.test(what)
    ? "Rotor's functions call no WebSocket API"
    : "nothing in Rotor's functions reads it";
  return new Error(
    `${what} of @darabonba/typescript is not in this function bundle (${SHIM}): ${why}`,
  );
}

/** func.js's isNull, as written there. */
function isNull(data) {
  return data === null || data === undefined;
}

/** func.js's sleep, as written there. */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The base openapi-core's WebSocket handlers extend at load; never constructed by a rotation. */
class AbstractWebSocketHandler {
  constructor() {
    throw notBundled("AbstractWebSocketHandler");
  }
}

const parts = {
  __esModule: true,
  ...core,
  ...errors,
  ...retry,
  isNull,
  sleep,
  Stream: stream.default,
  SSEEvent: stream.SSEEvent,
  Form: form.default,
  FileFormStream: form.FileFormStream,
  URL: url.default,
  AbstractWebSocketHandler,
};
Object.defineProperty(parts, "XML", {
  enumerable: true,
  get: () => require("@darabonba/typescript/dist/xml.js").default,
});

module.exports = new Proxy(parts, {
  get(target, name) {
    if (typeof name === "symbol" || name in target || name === "default" || name === "then") {
      return target[name];
    }
    throw notBundled(name);
  },
});
