import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { call, epochSeconds, jwtHeader, postJson, T0 } from "./helpers.ts";

interface Pair {
  refresh: string;
  access: string;
}

const INVALID_OR_EXPIRED = { detail: "Token is invalid or expired", code: "token_not_valid" };
const NOT_VALID_FOR_ANY = { detail: "Given token not valid for any token type", code: "token_not_valid" };
const NOT_PROVIDED = { detail: "Authentication credentials were not provided." };

let emu: Emulator;
const apiKey = (key: string) => ({ authorization: `APIKey ${key}` });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function withEmulator(run: (local: Emulator) => Promise<void>): Promise<void> {
  const local = await startEmulator({ now: T0 });
  try {
    await run(local);
  } finally {
    await local.close();
  }
}

async function login(target: Emulator): Promise<Pair> {
  const r = await postJson(`${target.url}/iam/auth/jwt/login`, {
    username: target.seeds.gcore.userEmail,
    password: target.seeds.gcore.userPassword,
  });
  expect(r.status).toBe(200);
  return r.json as Pair;
}

async function resellerUserToken(target: Emulator, userId: number | string): Promise<Pair> {
  const r = await call(`${target.url}/iam/auth/jwt/users/${userId}/token`, {
    headers: apiKey(target.seeds.gcore.resellerApiKey),
  });
  expect(r.status).toBe(200);
  return r.json as Pair;
}

beforeAll(async () => {
  emu = await startEmulator({ now: T0 });
});
afterAll(() => emu.close());

describe("gcore login", () => {
  it("200 {refresh, access} for the common user", async () => {
    const pair = await login(emu);
    expect(Object.keys(pair).sort()).toEqual(["access", "refresh"]);
    expect(decodeJwt(pair.access)).toMatchObject({
      token_type: "access",
      user_id: 1234,
      user_type: "common",
    });
  });

  it("400 nested errors for bad credentials, per-field errors, and {message} for malformed JSON", async () => {
    const url = `${emu.url}/iam/auth/jwt/login`;
    const wrong = await postJson(url, { username: emu.seeds.gcore.userEmail, password: "wrong" });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual({
      errors: { errors: ["No active account found with the given credentials."] },
    });

    const unknown = await postJson(url, { username: "nobody@example.com", password: "x" });
    expect(unknown.json).toEqual({
      errors: { errors: ["No active account found with the given credentials."] },
    });

    const missing = await postJson(url, { username: emu.seeds.gcore.userEmail });
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ errors: { password: ["This field is required."] } });

    const both = await postJson(url, {});
    expect(both.json).toEqual({
      errors: { username: ["This field is required."], password: ["This field is required."] },
    });

    const malformed = await postJson(url, '{"username": "a" "password": "b"}');
    expect(malformed.status).toBe(400);
    expect(Object.keys(malformed.json as object)).toEqual(["message"]);
    expect((malformed.json as { message: string }).message).toMatch(/^JSON parse error - /);
  });
});

describe("gcore reseller user token", () => {
  it("mints a pair describing the target user: claims, rjti link, exp deltas from the clock, no iat", async () => {
    const pair = await resellerUserToken(emu, 1234);
    const access = decodeJwt(pair.access);
    const refresh = decodeJwt(pair.refresh);
    const now = epochSeconds(emu.clock.now());
    expect(jwtHeader(pair.access)).toEqual({ typ: "JWT", alg: "RS256" });
    // Signed with an RSA 4096 key, as Gcore's are: 512-byte signatures, so a stored pair is as long as a real one.
    for (const jwt of [pair.access, pair.refresh]) {
      expect(Buffer.from(jwt.split(".")[2] ?? "", "base64url")).toHaveLength(512);
    }
    expect(access).toEqual({
      token_type: "access",
      exp: now + 3600,
      jti: expect.stringMatching(/^[0-9a-f]{32}$/),
      user_id: 1234,
      user_type: "common",
      user_groups: ["Administrators"],
      client_id: emu.seeds.gcore.clientId,
      email: emu.seeds.gcore.userEmail,
      username: emu.seeds.gcore.userEmail,
      sso_entity: null,
      is_admin: false,
      client_name: "Test Company",
      exchangeable: true,
      rjti: refresh.jti,
    });
    expect(refresh).toMatchObject({ token_type: "refresh", exp: now + 86_400, user_id: 1234 });
    expect(refresh.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(refresh).not.toHaveProperty("rjti");
    expect(refresh).not.toHaveProperty("iat");
    expect(access).not.toHaveProperty("iat");
    await expect(emu.gcore.verifyAccessToken(pair.access)).resolves.toMatchObject({ user_id: 1234 });
    await expect(emu.gcore.verifyAccessToken(pair.refresh)).rejects.toThrow();
  });

  it("403 for a caller who is not a reseller; 404 for unknown users; 401 without or with bad auth", async () => {
    const url = (id: string | number) => `${emu.url}/iam/auth/jwt/users/${id}/token`;
    const common = await call(url(1234), { headers: apiKey(emu.seeds.gcore.commonApiKey) });
    expect(common.status).toBe(403);
    expect(common.json).toEqual({ detail: "You do not have permission to perform this action." });

    // a reseller-minted access token describes the common user, so it is not a reseller either
    const minted = await resellerUserToken(emu, 1234);
    expect((await call(url(1234), { headers: bearer(minted.access) })).status).toBe(403);

    for (const id of [999_999, "abc"]) {
      const r = await call(url(id), { headers: apiKey(emu.seeds.gcore.resellerApiKey) });
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ detail: "Resource not found." });
    }

    const none = await call(url(1234));
    expect(none.status).toBe(401);
    expect(none.json).toEqual(NOT_PROVIDED);
  });

  it("auth header variants: bad key, truncated key, wrong scheme, unknown scheme", async () => {
    const url = `${emu.url}/iam/users/me`;
    const key = emu.seeds.gcore.resellerApiKey;
    const [tokenId] = key.split("_");
    const cases: [Record<string, string>, unknown][] = [
      [apiKey(`${tokenId}_wrongsecret`), INVALID_OR_EXPIRED],
      [apiKey("424242_abcdef"), INVALID_OR_EXPIRED],
      [apiKey(`${tokenId}`), { detail: `Bad token: ${tokenId}` }],
      [bearer(key), NOT_VALID_FOR_ANY], // permanent key sent as Bearer
      [apiKey((await login(emu)).access), NOT_VALID_FOR_ANY], // JWT sent as APIKey
      [bearer("not.a.jwt"), NOT_VALID_FOR_ANY],
      [{ authorization: "Token abc" }, NOT_PROVIDED],
    ];
    for (const [headers, body] of cases) {
      const r = await call(url, { headers });
      expect([headers, r.status, r.json]).toEqual([headers, 401, body]);
    }
    expect((await call(url, { headers: { authorization: `apikey ${key}` } })).status).toBe(200);
    expect((await call(url, { headers: apiKey(key.replace("_", "$")) })).status).toBe(200); // v1 separator
  });
});

describe("gcore refresh", () => {
  it("rotates: new pair, the presented refresh is blacklisted, a second use is 401", async () => {
    const first = await resellerUserToken(emu, 1234);
    const url = `${emu.url}/iam/auth/jwt/refresh`;
    const r1 = await postJson(url, { refresh: first.refresh });
    expect(r1.status).toBe(200);
    const second = r1.json as Pair;
    expect(second.refresh).not.toBe(first.refresh);
    expect(decodeJwt(second.access).rjti).toBe(decodeJwt(second.refresh).jti);
    expect(decodeJwt(second.access).user_id).toBe(1234);
    expect(emu.gcore.isRefreshTokenBlacklisted(first.refresh)).toBe(true);
    expect(emu.gcore.isRefreshTokenBlacklisted(second.refresh)).toBe(false);

    const reuse = await postJson(url, { refresh: first.refresh });
    expect(reuse.status).toBe(401);
    expect(reuse.json).toEqual(INVALID_OR_EXPIRED);

    expect((await postJson(url, { refresh: second.refresh })).status).toBe(200);
    // the old access token stays valid until its exp
    expect((await call(`${emu.url}/iam/users/me`, { headers: bearer(first.access) })).status).toBe(200);
  });

  it("401 for an access token, garbage, and a refresh blacklisted behind the API's back", async () => {
    const pair = await resellerUserToken(emu, 1234);
    const url = `${emu.url}/iam/auth/jwt/refresh`;
    for (const refresh of [pair.access, "garbage", `${pair.refresh.slice(0, -4)}AAAA`]) {
      const r = await postJson(url, { refresh });
      expect(r.status).toBe(401);
      expect(r.json).toEqual(INVALID_OR_EXPIRED);
    }
    emu.gcore.blacklistRefreshToken(pair.refresh);
    expect((await postJson(url, { refresh: pair.refresh })).status).toBe(401);
    expect(emu.gcore.isRefreshTokenBlacklisted("garbage")).toBe(false);
    expect(() => emu.gcore.blacklistRefreshToken("garbage")).toThrow();
  });

  it("400 for a missing field and for malformed JSON", async () => {
    const url = `${emu.url}/iam/auth/jwt/refresh`;
    const missing = await postJson(url, {});
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ errors: { refresh: ["This field is required."] } });
    const malformed = await postJson(url, "{refresh:");
    expect(malformed.status).toBe(400);
    expect((malformed.json as { message: string }).message).toMatch(/^JSON parse error - /);
  });

  it("expired refresh (clock + 25 h) → 401; expired access → Bearer 401", async () => {
    await withEmulator(async (local) => {
      const pair = await login(local);
      local.clock.advance(3601_000);
      const me = await call(`${local.url}/iam/users/me`, { headers: bearer(pair.access) });
      expect(me.status).toBe(401);
      expect(me.json).toEqual(NOT_VALID_FOR_ANY);
      await expect(local.gcore.verifyAccessToken(pair.access)).rejects.toThrow();
      local.clock.advance(25 * 3600_000 - 3601_000);
      const r = await postJson(`${local.url}/iam/auth/jwt/refresh`, { refresh: pair.refresh });
      expect(r.status).toBe(401);
      expect(r.json).toEqual(INVALID_OR_EXPIRED);
    });
  });
});

describe("gcore users and clients", () => {
  it("getUser with APIKey and with Bearer access; usersMe; clientsMe", async () => {
    const seeds = emu.seeds.gcore;
    const viaKey = await call(`${emu.url}/iam/users/1234`, { headers: apiKey(seeds.resellerApiKey) });
    expect(viaKey.status).toBe(200);
    expect(viaKey.json).toMatchObject({
      id: 1234,
      email: seeds.userEmail,
      user_type: "common",
      client: seeds.clientId,
    });

    const { access } = await login(emu);
    const viaBearer = await call(`${emu.url}/iam/users/1234`, { headers: bearer(access) });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.json).toEqual(viaKey.json);

    const me = await call(`${emu.url}/iam/users/me`, { headers: apiKey(seeds.commonApiKey) });
    expect(me.json).toMatchObject({ id: 1234, user_type: "common" });
    const resellerMe = await call(`${emu.url}/iam/users/me`, { headers: apiKey(seeds.resellerApiKey) });
    expect(resellerMe.json).toMatchObject({ id: seeds.resellerUserId, user_type: "reseller" });

    const client = await call(`${emu.url}/iam/clients/me`, { headers: bearer(access) });
    expect(client.status).toBe(200);
    expect(client.json).toMatchObject({ id: seeds.clientId, currentUser: 1234, status: "active" });
    expect((await call(`${emu.url}/iam/clients/me`)).status).toBe(401);
  });

  it("getUser 404 'User not found.' for unknown ids and users the caller may not see", async () => {
    for (const [id, key] of [
      [999, emu.seeds.gcore.resellerApiKey],
      [emu.seeds.gcore.resellerUserId, emu.seeds.gcore.commonApiKey],
    ] as const) {
      const r = await call(`${emu.url}/iam/users/${id}`, { headers: apiKey(key) });
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ detail: "User not found." });
    }
  });

  it("deleteUser: 404 on getUser and userToken, login 400, its credentials stop working", async () => {
    await withEmulator(async (local) => {
      const seeds = local.seeds.gcore;
      const pair = await login(local);
      local.gcore.deleteUser(1234);
      const get = await call(`${local.url}/iam/users/1234`, { headers: apiKey(seeds.resellerApiKey) });
      expect(get.status).toBe(404);
      expect(get.json).toEqual({ detail: "User not found." });
      const mint = await call(`${local.url}/iam/auth/jwt/users/1234/token`, {
        headers: apiKey(seeds.resellerApiKey),
      });
      expect(mint.status).toBe(404);
      expect(mint.json).toEqual({ detail: "Resource not found." });
      const relogin = await postJson(`${local.url}/iam/auth/jwt/login`, {
        username: seeds.userEmail,
        password: seeds.userPassword,
      });
      expect(relogin.status).toBe(400);
      expect((await postJson(`${local.url}/iam/auth/jwt/refresh`, { refresh: pair.refresh })).status).toBe(
        401,
      );
      expect((await call(`${local.url}/iam/users/me`, { headers: bearer(pair.access) })).status).toBe(401);
      expect((await call(`${local.url}/iam/users/me`, { headers: apiKey(seeds.commonApiKey) })).json).toEqual(
        INVALID_OR_EXPIRED,
      );
      expect(() => local.gcore.deleteUser(424242)).toThrow(/no user/);
    });
  });
});
