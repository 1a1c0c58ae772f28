import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { call, postJson, T0 } from "./helpers.ts";

let emu: Emulator;

beforeEach(async () => {
  emu = await startEmulator({ now: T0 });
});
afterEach(() => emu.close());

const netbirdMe = () =>
  call(`${emu.url}/api/users/current`, {
    headers: { authorization: `Token ${emu.seeds.netbird.adminToken}` },
  });
const createPat = () =>
  postJson(
    `${emu.url}/api/users/svc-ci/tokens`,
    { name: "ci", expires_in: 30 },
    { authorization: `Token ${emu.seeds.netbird.adminToken}` },
  );
const userToken = () =>
  call(`${emu.url}/iam/auth/jwt/users/1234/token`, {
    headers: { authorization: `APIKey ${emu.seeds.gcore.resellerApiKey}` },
  });

describe("status faults", () => {
  it("503 with Retry-After and the vendor's error body, once by default", async () => {
    emu.faults.inject("netbird.currentUser", { kind: "status", status: 503, retryAfter: 7 });
    const faulted = await netbirdMe();
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get("retry-after")).toBe("7");
    expect(faulted.json).toEqual({ message: "service unavailable", code: 503 });
    expect((await netbirdMe()).status).toBe(200);
  });

  it("uses each vendor's error shape, or the given body", async () => {
    emu.faults.inject("gcore.userToken", { kind: "status", status: 500 });
    expect((await userToken()).json).toEqual({ detail: "Internal Server Error" });
    emu.faults.inject("icp.registryToken", { kind: "status", status: 503 });
    const icp = await call(`${emu.url}/image-manager/api/v1/auth/token`);
    expect([icp.status, icp.json]).toEqual([
      503,
      { errors: [{ code: "UNAVAILABLE", message: "service unavailable" }] },
    ]);
    emu.faults.inject("icp.identityToken", { kind: "status", status: 502 });
    const idp = await call(`${emu.url}/idprovider/v1/auth/identitytoken`, { method: "POST" });
    expect(idp.json).toEqual({ error: "server_error", error_description: "Bad Gateway" });
    emu.faults.inject("netbird.currentUser", { kind: "status", status: 429, body: { custom: true } });
    expect((await netbirdMe()).json).toEqual({ custom: true });
  });

  it("a status fault does not handle the request (no state change)", async () => {
    emu.faults.inject("netbird.createToken", { kind: "status", status: 500 });
    expect((await createPat()).status).toBe(500);
    expect(emu.netbird.tokens("svc-ci")).toEqual([]);
  });

  it("count semantics: the next N requests, then queued faults in order, then normal", async () => {
    emu.faults.inject("netbird.currentUser", { kind: "status", status: 500 }, 2);
    emu.faults.inject("netbird.currentUser", { kind: "status", status: 502 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await netbirdMe()).status);
    expect(statuses).toEqual([500, 500, 502, 200]);
  });

  it("faults apply per route; clear() removes pending ones; bad arguments throw", async () => {
    emu.faults.inject("netbird.listTokens", { kind: "status", status: 500 });
    expect((await netbirdMe()).status).toBe(200);
    emu.faults.inject("netbird.currentUser", { kind: "status", status: 500 }, 5);
    emu.faults.clear();
    expect((await netbirdMe()).status).toBe(200);
    expect(() => emu.faults.inject("netbird.nope", { kind: "drop" })).toThrow(/unknown route/);
    expect(() => emu.faults.inject("netbird.currentUser", { kind: "drop" }, 0)).toThrow(/count/);
    expect(() => emu.faults.inject("netbird.currentUser", { kind: "status", status: 99 })).toThrow(/status/);
  });
});

describe("timing and connection faults", () => {
  it("delay waits, then handles normally", async () => {
    emu.faults.inject("gcore.userToken", { kind: "delay", ms: 300 });
    const started = performance.now();
    const r = await userToken();
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(r.status).toBe(200);
  });

  it("delay-after: the state changes first, then the answer comes late", async () => {
    emu.faults.inject("netbird.createToken", { kind: "delay-after", ms: 400 });
    const pending = createPat();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(emu.netbird.tokens("svc-ci").map((t) => t.name)).toEqual(["ci"]);
    expect((await pending).status).toBe(200);
  });

  it("drop: the client sees a socket error and nothing changed", async () => {
    emu.faults.inject("netbird.createToken", { kind: "drop" });
    await expect(createPat()).rejects.toThrow(TypeError);
    expect(emu.netbird.tokens("svc-ci")).toEqual([]);
    expect(emu.requests.at(-1)).toMatchObject({ route: "netbird.createToken", status: 0 });
    expect((await createPat()).status).toBe(200);
  });

  it("drop-after: the response is lost but the state changed (NetBird create, Gcore refresh consumed)", async () => {
    emu.faults.inject("netbird.createToken", { kind: "drop-after" });
    await expect(createPat()).rejects.toThrow(TypeError);
    expect(emu.netbird.tokens("svc-ci").map((t) => t.name)).toEqual(["ci"]);
    expect(emu.requests.at(-1)).toMatchObject({ route: "netbird.createToken", status: 0 });

    const pair = (await userToken()).json as { refresh: string };
    emu.faults.inject("gcore.refresh", { kind: "drop-after" });
    await expect(postJson(`${emu.url}/iam/auth/jwt/refresh`, { refresh: pair.refresh })).rejects.toThrow(
      TypeError,
    );
    expect(emu.gcore.isRefreshTokenBlacklisted(pair.refresh)).toBe(true);
    const reuse = await postJson(`${emu.url}/iam/auth/jwt/refresh`, { refresh: pair.refresh });
    expect(reuse.status).toBe(401);
    expect(reuse.json).toEqual({ detail: "Token is invalid or expired", code: "token_not_valid" });
  });

  it("bad-json: 200 with a malformed body, after the state changed", async () => {
    emu.faults.inject("netbird.createToken", { kind: "bad-json" });
    const r = await createPat();
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("application/json");
    expect(() => JSON.parse(r.text)).toThrow(SyntaxError);
    expect(emu.netbird.tokens("svc-ci")).toHaveLength(1);
    expect(emu.requests.at(-1)).toMatchObject({ route: "netbird.createToken", status: 200 });
  });
});
