import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, MAX_BODY_BYTES, startEmulator } from "../../src/emulator/index.ts";
import { call, postJson, T0 } from "./helpers.ts";

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ now: T0 });
});
afterAll(() => emu.close());

describe("routing and limits", () => {
  it("unknown paths and wrong methods: 404 in the owning vendor's way, route 'unknown'", async () => {
    emu.clearRequests();
    const answers = [];
    for (const [path, method] of [
      ["/nope", "GET"],
      ["/api/users/current", "DELETE"],
      ["/iam/users/1234/extra", "GET"],
      ["/image-manager/api/v1/auth/token", "PUT"],
      ["/iam/users/me", "OPTIONS"],
    ] as const) {
      const r = await call(`${emu.url}${path}`, {
        method,
        headers: { origin: "https://app.example", "access-control-request-method": "GET" },
      });
      answers.push([path, r.status, r.headers.get("content-type"), r.text, r.headers.get("vary")]);
    }
    const json404 = [404, "application/json", '{"message":"not found","code":404}', null];
    expect(answers).toEqual([
      ["/nope", ...json404],
      // NetBird as net/http's NotFound; Gcore and ICP declare nothing, so keep the shared JSON 404.
      ["/api/users/current", 404, "text/plain; charset=utf-8", "404 page not found\n", null],
      ["/iam/users/1234/extra", ...json404],
      ["/image-manager/api/v1/auth/token", ...json404],
      ["/iam/users/me", ...json404],
    ]);
    expect(emu.requests.map((e) => [e.vendor, e.route, e.status])).toEqual(
      Array.from({ length: 5 }, () => ["unknown", "unknown", 404]),
    );
  });

  it("bodies over 64 KiB get 413 in the vendor's shape (Gcore, ICP); NetBird takes them, as the real server", async () => {
    const big = "x".repeat(MAX_BODY_BYTES);
    const gcore = await postJson(`${emu.url}/iam/auth/jwt/login`, { username: big, password: "x" });
    expect(gcore.status).toBe(413);
    expect(gcore.json).toEqual({ detail: "Payload Too Large" });
    const icp = await call(`${emu.url}/idprovider/v1/auth/identitytoken`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=password&username=${big}`,
    });
    expect(icp.status).toBe(413);
    const netbird = await postJson(
      `${emu.url}/api/users/svc-ci/tokens`,
      { name: big, expires_in: 1 },
      { authorization: `Token ${emu.seeds.netbird.adminToken}` },
    );
    expect(netbird.status).toBe(200);
    expect(emu.netbird.tokens("svc-ci").map((token) => token.name.length)).toEqual([MAX_BODY_BYTES]);
    expect(emu.netbird.deleteToken("svc-ci", emu.netbird.tokens("svc-ci")[0]?.id ?? "")).toBe(true);
  });

  it("413 also for a chunked body without Content-Length", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${emu.url}/iam/auth/jwt/login`);
      const req = request(url, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 20; i++) req.write("x".repeat(8192));
      req.end();
    });
    expect(status).toBe(413);
  });
});

describe("request log", () => {
  it("records vendor, route, method, path without query, status and emulator time; never secrets", async () => {
    emu.clearRequests();
    expect(emu.requests).toEqual([]);
    const token = emu.seeds.netbird.adminToken;
    await call(`${emu.url}/api/users/current`, { headers: { authorization: `Token ${token}` } });
    await call(
      `${emu.url}/image-manager/api/v1/auth/token?service=token-service&scope=repository:ns/app:pull`,
    );
    await postJson(`${emu.url}/iam/auth/jwt/login`, {
      username: emu.seeds.gcore.userEmail,
      password: emu.seeds.gcore.userPassword,
    });
    expect(emu.requests).toEqual([
      {
        vendor: "netbird",
        route: "netbird.currentUser",
        method: "GET",
        path: "/api/users/current",
        status: 200,
        at: "2030-01-01T00:00:00.000Z",
      },
      {
        vendor: "icp",
        route: "icp.registryToken",
        method: "GET",
        path: "/image-manager/api/v1/auth/token",
        status: 401,
        at: "2030-01-01T00:00:00.000Z",
      },
      {
        vendor: "gcore",
        route: "gcore.login",
        method: "POST",
        path: "/iam/auth/jwt/login",
        status: 200,
        at: "2030-01-01T00:00:00.000Z",
      },
    ]);
    expect(emu.requestsFor("icp").map((e) => e.route)).toEqual(["icp.registryToken"]);
    expect(emu.requestsFor("netbird")).toHaveLength(1);
    const dump = JSON.stringify(emu.requests);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(emu.seeds.gcore.userPassword);
    emu.clearRequests();
    expect(emu.requests).toEqual([]);
  });

  it("logs the route names of every endpoint", async () => {
    emu.clearRequests();
    const paths: [string, string][] = [
      ["GET", "/api/users/current"],
      ["GET", "/api/users/u/tokens"],
      ["POST", "/api/users/u/tokens"],
      ["GET", "/api/users/u/tokens/t"],
      ["DELETE", "/api/users/u/tokens/t"],
      ["POST", "/iam/auth/jwt/login"],
      ["POST", "/iam/auth/jwt/refresh"],
      ["GET", "/iam/auth/jwt/users/1/token"],
      ["GET", "/iam/users/1"],
      ["GET", "/iam/users/me"],
      ["GET", "/iam/clients/me"],
      ["POST", "/idprovider/v1/auth/identitytoken"],
      ["GET", "/image-manager/api/v1/auth/token"],
    ];
    for (const [method, path] of paths) await call(`${emu.url}${path}`, { method });
    expect(emu.requests.map((e) => e.route)).toEqual([
      "netbird.currentUser",
      "netbird.listTokens",
      "netbird.createToken",
      "netbird.getToken",
      "netbird.deleteToken",
      "gcore.login",
      "gcore.refresh",
      "gcore.userToken",
      "gcore.getUser",
      "gcore.usersMe",
      "gcore.clientsMe",
      "icp.identityToken",
      "icp.registryToken",
    ]);
  });
});

describe("clock", () => {
  it("starts at options.now and supports set/advance/useRealTime", async () => {
    const clock = emu.clock;
    expect(clock.now().toISOString()).toBe("2030-01-01T00:00:00.000Z");
    clock.advance(1500);
    expect(clock.now().toISOString()).toBe("2030-01-01T00:00:01.500Z");
    clock.set(new Date("2031-05-05T05:05:05Z"));
    expect(clock.now().toISOString()).toBe("2031-05-05T05:05:05.000Z");
    expect(() => clock.set("yesterday")).toThrow(/RFC 3339/);
    clock.useRealTime();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(1000);
    clock.advance(3600_000);
    expect(clock.now().getTime() - Date.now()).toBeGreaterThan(3590_000);
    clock.set(T0);
  });

  it("defaults to env PULUMI_TOKENS_NOW, else real time; invalid values throw", async () => {
    process.env.PULUMI_TOKENS_NOW = "2032-02-02T02:02:02+01:00";
    const fromEnv = await startEmulator();
    expect(fromEnv.clock.now().toISOString()).toBe("2032-02-02T01:02:02.000Z");
    await fromEnv.close();
    const explicit = await startEmulator({ now: new Date("2033-01-01T00:00:00Z") });
    expect(explicit.clock.now().toISOString()).toBe("2033-01-01T00:00:00.000Z");
    await explicit.close();

    process.env.PULUMI_TOKENS_NOW = "not-a-date";
    await expect(startEmulator()).rejects.toThrow(/PULUMI_TOKENS_NOW/);
    delete process.env.PULUMI_TOKENS_NOW;
    await expect(startEmulator({ now: "2030-13-45" })).rejects.toThrow(/RFC 3339/);

    const real = await startEmulator();
    expect(Math.abs(real.clock.now().getTime() - Date.now())).toBeLessThan(1000);
    await real.close();
  });

  it("close() ends keep-alive connections and frees the port", async () => {
    const local = await startEmulator();
    await call(`${local.url}/nope`, { headers: { connection: "keep-alive" } });
    await local.close();
    await expect(fetch(`${local.url}/nope`)).rejects.toThrow(TypeError);
  });
});
