/**
 * What the function bundles give @alicloud/fc20230330's client in place of
 * its models index (see bundle-substitutions.ts). The index defines all 846
 * request and response classes of the FC API at load, about 470 KiB; Rotor
 * calls one operation, InvokeFunction (src/core/scheduler/fc-client.ts), and these
 * are its three classes. Any other model fails with a message naming it.
 */
"use strict";

const SHIM = "scripts/build/fc20230330-models-shim.cjs";

const models = {
  __esModule: true,
  InvokeFunctionHeaders: require("@alicloud/fc20230330/dist/models/InvokeFunctionHeaders.js")
    .InvokeFunctionHeaders,
  InvokeFunctionRequest: require("@alicloud/fc20230330/dist/models/InvokeFunctionRequest.js")
    .InvokeFunctionRequest,
  InvokeFunctionResponse: require("@alicloud/fc20230330/dist/models/InvokeFunctionResponse.js")
    .InvokeFunctionResponse,
};

module.exports = new Proxy(models, {
  get(target, name) {
    if (typeof name === "symbol" || name in target || name === "default" || name === "then") {
      return target[name];
    }
    throw new Error(
      `The FC model ${name} is not in this function bundle (${SHIM}): Rotor's functions call only InvokeFunction`,
    );
  },
});
