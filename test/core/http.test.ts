import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createHttpClient, type HttpClientOptions } from "../../src/core/http.ts";
import { captureNotices } from "../../src/core/log.ts";
import {
  ApiNetworkError,
  ApiResponseError,
  ApiTimeoutError,
  InvalidResponseError,
} from "../../src/errors.ts";

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

interface TestServer {
  url: string;
  hits: { method: string; at: number; authorization: string | undefined }[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
  const hits: TestServer["hits"] = [];
  const server = createServer((req, res) => {
    hits.push({ method: req.method ?? "", at: performance.now(), authorization: req.headers.authorization });
    req.resume();
    req.on("end", () => handler(req, res, hits.length));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const testServer = {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(testServer);
  return testServer;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

const SECRET = "nbp_SuperSecretValue1234567890abcdefghij";

function client(url: string, overrides: Partial<HttpClientOptions> = {}) {
  return createHttpClient({
    vendor: "netbird",
    baseUrl: url,
    authorization: `Token ${SECRET}`,
    describeError: (body) => (body as { message?: string } | undefined)?.message,
    retryBaseDelayMs: 20,
    ...overrides,
  });
}

const item = z.object({ id: z.string() });

describe("createHttpClient", () => {
  it("retries a GET on 503 and returns the later success", async () => {
    const server = await serve((_req, res, hit) =>
      hit === 1 ? json(res, 503, { message: "busy" }) : json(res, 200, { id: "a" }),
    );
    const result = await client(server.url).request({
      action: "get item",
      method: "GET",
      path: "/items/a",
      schema: item,
    });
    expect(result).toEqual({ status: 200, body: { id: "a" } });
    expect(server.hits).toHaveLength(2);
  });

  it("waits for Retry-After on 429 before retrying", async () => {
    const server = await serve((_req, res, hit) =>
      hit === 1
        ? json(res, 429, { message: "too many requests" }, { "retry-after": "1" })
        : json(res, 200, { id: "a" }),
    );
    await client(server.url).request({ action: "get item", method: "GET", path: "/items/a", schema: item });
    const [first, second] = server.hits;
    expect(server.hits).toHaveLength(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("does not retry when Retry-After exceeds a minute", async () => {
    const server = await serve((_req, res) =>
      json(res, 429, { message: "too many requests" }, { "retry-after": "3600" }),
    );
    await expect(
      client(server.url).request({ action: "get item", method: "GET", path: "/items/a" }),
    ).rejects.toThrow(ApiResponseError);
    expect(server.hits).toHaveLength(1);
  });

  it("never retries a POST on 503", async () => {
    const server = await serve((_req, res) => json(res, 503, { message: "service unavailable" }));
    const error = await client(server.url)
      .request({ action: "create item", method: "POST", path: "/items", json: { name: "x" } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      code: "ERR_API_RESPONSE",
      status: 503,
      vendor: "netbird",
      message: `netbird: create item failed with HTTP 503: service unavailable (POST ${server.url}/items)`,
    });
    expect(server.hits).toHaveLength(1);
  });

  it("retries a POST declared idempotent", async () => {
    const server = await serve((_req, res, hit) =>
      hit === 1 ? json(res, 502, {}) : json(res, 200, { id: "b" }),
    );
    const result = await client(server.url).request({
      action: "issue id token",
      method: "POST",
      path: "/token",
      form: { grant_type: "password" },
      idempotent: true,
      schema: item,
    });
    expect(result.body).toEqual({ id: "b" });
    expect(server.hits).toHaveLength(2);
  });

  it("turns a timeout into ApiTimeoutError after the retries", async () => {
    const server = await serve(() => undefined); // never answers
    const error = await client(server.url, { timeoutMs: 150, retryLimit: 1 })
      .request({ action: "get item", method: "GET", path: "/items/a?secret=1" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(error).toMatchObject({
      code: "ERR_API_TIMEOUT",
      message: `netbird: get item timed out after 150 ms (GET ${server.url}/items/a)`,
    });
    expect(server.hits).toHaveLength(2);
  });

  it("turns a reset connection into ApiNetworkError after retrying the GET", async () => {
    const server = await serve((req) => req.socket.destroy());
    const error = await client(server.url, { retryLimit: 2 })
      .request({ action: "get item", method: "GET", path: "/items/a" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiNetworkError);
    expect(error).toMatchObject({
      code: "ERR_API_NETWORK",
      networkCode: "ECONNRESET",
      message: `netbird: get item failed: network error ECONNRESET (GET ${server.url}/items/a)`,
    });
    expect(server.hits).toHaveLength(3);
  });

  it("returns accepted statuses such as 404 on delete instead of throwing", async () => {
    const server = await serve((_req, res) => json(res, 404, { message: "pat: x not found" }));
    const result = await client(server.url).request({
      action: "delete item",
      method: "DELETE",
      path: "/items/x",
      accept: [404],
    });
    expect(result).toEqual({ status: 404, body: undefined, apiMessage: "pat: x not found" });
  });

  it("rejects a 2xx body that does not match the schema, without echoing it", async () => {
    const server = await serve((_req, res) => json(res, 200, { id: 42, token: SECRET }));
    const error = await client(server.url)
      .request({ action: "get item", method: "GET", path: "/items/a", schema: item })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_RESPONSE",
      message: `netbird: get item returned an unexpected response: ✖ Invalid input: expected string, received number → at id (GET ${server.url}/items/a)`,
    });
    expect(String(error)).not.toContain(SECRET);
  });

  it("refuses a body over 1 MiB without reading it whole, and does not retry", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = "x".repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => (sent = Number.POSITIVE_INFINITY));
      pump();
    });
    const error = await client(server.url)
      .request({ action: "get item", method: "GET", path: "/items/a", schema: item })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_RESPONSE",
      message: `netbird: get item returned an unexpected response: the body is larger than 1048576 bytes (GET ${server.url}/items/a)`,
    });
    expect(server.hits).toHaveLength(1);
  });

  it("sends the credential and keeps it out of every rendering of the error", async () => {
    const server = await serve((_req, res) =>
      json(res, 403, { message: `token ${SECRET} is not allowed; Bearer ${SECRET}` }),
    );
    const error = await client(server.url)
      .request({ action: "create item", method: "POST", path: "/items", json: { token: SECRET } })
      .catch((caught: unknown) => caught);
    expect(server.hits[0]?.authorization).toBe(`Token ${SECRET}`);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect((error as ApiResponseError).apiMessage).toBe("token [REDACTED] is not allowed; Bearer [REDACTED]");
    for (const rendering of [
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 10, showHidden: true }),
    ]) {
      expect(rendering).not.toContain(SECRET);
      expect(rendering).not.toContain("SuperSecret");
    }
  });

  it("keeps the credential out of network errors too", async () => {
    const server = await serve((req) => req.socket.destroy());
    const error = await client(server.url, { retryLimit: 0 })
      .request({ action: "get item", method: "GET", path: "/items/a" })
      .catch((caught: unknown) => caught);
    for (const rendering of [
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 10, showHidden: true }),
    ]) {
      expect(rendering).not.toContain("SuperSecret");
    }
  });
});

describe("rate pacing", () => {
  /** A per-credential token bucket like NetBird's: 429 without Retry-After past the burst. */
  function bucket(rpm: number, burst: number): Handler {
    let tokens = burst;
    let at = performance.now();
    return (_req, res) => {
      const now = performance.now();
      tokens = Math.min(burst, tokens + ((now - at) / 60_000) * rpm);
      at = now;
      if (tokens < 1) return json(res, 429, { message: "too many requests", code: 429 });
      tokens -= 1;
      json(res, 200, { id: "a" });
    };
  }
  const get = { action: "get item", method: "GET", path: "/items/a", schema: item } as const;

  it("learns the pace from 429s without Retry-After: 12 parallel GETs against 600/min, burst 3, all succeed", async () => {
    const server = await serve(bucket(600, 3));
    const http = client(server.url);
    const results = await Promise.all(Array.from({ length: 12 }, () => http.request(get)));
    expect(results.map((result) => result.status)).toEqual(Array(12).fill(200));
    const refused = server.hits.length - 12;
    expect(refused).toBeGreaterThan(0);
    // Paced, not hammering: a handful of refusals, not one per waiting request per backoff step.
    expect(refused).toBeLessThan(12);
  }, 20_000);

  it("sends a POST again after a 429 only when the caller says the server refused before any work", async () => {
    const server = await serve((_req, res, hit) =>
      hit === 1 ? json(res, 429, { message: "too many requests" }) : json(res, 200, { id: "p" }),
    );
    const post = { action: "create item", method: "POST", path: "/items", json: {}, schema: item } as const;
    const error = await client(server.url)
      .request(post)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({ code: "ERR_API_RESPONSE", status: 429 });
    expect(server.hits).toHaveLength(1);
    const retried = await client(server.url, { authorization: "Token other" }).request({
      ...post,
      retryStatuses: [429],
    });
    expect(retried.body).toEqual({ id: "p" });
    expect(server.hits).toHaveLength(2);
  });

  it("requestsPerMinute spaces the requests of one credential evenly and says so while they wait", async () => {
    const server = await serve((_req, res) => json(res, 200, { id: "a" }));
    const lines: string[] = [];
    const restore = captureNotices((line) => lines.push(line));
    try {
      const http = client(server.url, { requestsPerMinute: 24 });
      await Promise.all([http.request(get), http.request(get), http.request(get)]);
    } finally {
      restore();
    }
    const gaps = server.hits.slice(1).map((hit, index) => hit.at - (server.hits[index]?.at ?? 0));
    expect(gaps).toHaveLength(2);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(2_450);
    expect(lines).toEqual([
      "pulumi-tokens: netbird: pacing to 1 request every 2.5 s (requestsPerMinute); 2 request(s) waiting",
    ]);
  }, 20_000);
});
