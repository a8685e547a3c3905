/**
 * The baseline server: bare node:http on 127.0.0.1 answering every request
 * with the same JSON body (BARE_JSON_BODY) and no signature check, keep-alive
 * on. What the local cloud costs is its throughput measured against this.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const body = process.env.BARE_JSON_BODY ?? "{}";
const length = Buffer.byteLength(body);

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  // Read the request to its end, as the local cloud must, before answering.
  req.resume();
  req.on("end", () => {
    res.writeHead(200, {
      "content-type": "application/json;charset=utf-8",
      "content-length": length,
    });
    res.end(body);
  });
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`bare json server listening on http://127.0.0.1:${port}\n`);
});

process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
});
