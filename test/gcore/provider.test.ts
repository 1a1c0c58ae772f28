// gcoreProvider's methods called directly against the emulator: the fast layer.
import { inspect } from "node:util";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.ts";
import {
  ApiResponseError,
  InvalidResponseError,
  InvalidStateError,
  MissingCredentialsError,
} from "../../src/errors.ts";
import { describeError } from "../../src/gcore/api.ts";
import { gcoreProvider } from "../../src/gcore/provider.ts";
import { USER_TOKEN } from "../../src/gcore/definition.ts";
import { presentedForm } from "../../src/core/stored-form.ts";
import { configureProvider, useProviderEmulator } from "../harness/emulator.ts";

type Bag = Record<string, unknown>;

const T0 = new Date("2030-01-01T00:00:00Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

const { emu, notices, setAt } = useProviderEmulator({
  now: T0,
  tuning: { timeoutMs: 2_000, retryBaseDelayMs: 5 },
  env: ["GCORE_API_KEY", "GCORE_API_URL"],
});

const routes = () => emu.requestsFor("gcore").map((entry) => entry.route);
const routeStatuses = () => emu.requestsFor("gcore").map((entry) => [entry.route, entry.status]);

function inputs(extra: Bag = {}): Bag {
  return {
    userId: emu.seeds.gcore.userId,
    apiUrl: emu.url,
    apiKey: emu.seeds.gcore.resellerApiKey,
    ...extra,
  };
}

/** Outputs as a program sees them (the JWTs by name, the default window, `rotatesAt`). */
const presented = (outputs: Bag): Bag => presentedForm(USER_TOKEN.storedForm, outputs);

/** check + create, as the engine does; `outs` as presented, `stored` as the engine stores them. */
async function create(extra: Bag = {}): Promise<{ id: string; outs: Bag; stored: Bag; news: Bag }> {
  const checked = await gcoreProvider.check?.({}, inputs(extra));
  expect(checked?.failures).toBeUndefined();
  const news = checked?.inputs as Bag;
  const created = await gcoreProvider.create(news);
  return { id: created.id, outs: presented(created.outs as Bag), stored: created.outs as Bag, news };
}

/** Update; the outputs as presented. */
async function update(olds: Bag, news: Bag): Promise<Bag> {
  const result = await gcoreProvider.update?.("users/1234", olds, news);
  return presented(result?.outs as Bag);
}

/** A JWT with this header and these claims and a fake signature (the provider cannot verify Gcore's). */
function jwt(header: Bag, claims: Bag): string {
  const part = (value: Bag) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part(header)}.${part(claims)}.${header.alg === "none" ? "" : "c2ln"}`;
}
const epoch = (minutesFromT0: number) => Math.floor(T0.getTime() / 1000) + minutesFromT0 * 60;

describe("hostile or broken answers", () => {
  const rs256 = { typ: "JWT", alg: "RS256" };
  const good = (claims: Bag = {}) =>
    jwt(rs256, { token_type: "access", exp: epoch(60), user_id: 1234, ...claims });
  const refresh = jwt(rs256, { token_type: "refresh", exp: epoch(24 * 60), user_id: 1234 });

  it.each([
    [
      "an unsigned access token",
      { access: jwt({ alg: "none" }, { exp: epoch(60), user_id: 1234 }), refresh },
      'the access token is unsigned (alg "none")',
    ],
    [
      "an access token already expired",
      { access: good({ exp: epoch(-1) }), refresh },
      "the access token had already expired (exp 2029-12-31T23:59:00.000Z)",
    ],
    [
      "an access token without exp",
      { access: jwt(rs256, { user_id: 1234 }), refresh },
      'the access token is not a JWT with an "exp" claim',
    ],
    [
      "a pair for another user",
      { access: good({ user_id: 999 }), refresh },
      "the access token is for user 999, not user 1234",
    ],
    [
      "a refresh field that is not a JWT",
      { access: good(), refresh: "opaque" },
      'the refresh token is not a JWT with an "exp" claim',
    ],
  ])("refuses %s with InvalidResponseError, echoing nothing", async (_title, body, problem) => {
    emu.faults.inject("gcore.userToken", { kind: "status", status: 200, body });
    const error = await create().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_RESPONSE",
      message: `gcore: issue user token returned an unexpected response: ${problem} (GET ${emu.url}/iam/auth/jwt/users/1234/token)`,
    });
    expect(String((error as Error).message)).not.toContain("eyJ");
  });

  it("a refresh answered with another user's pair falls back to the reseller endpoint", async () => {
    const { outs, news } = await create();
    emu.faults.inject("gcore.refresh", {
      kind: "status",
      status: 200,
      body: { access: good({ user_id: 999, exp: epoch(120) }), refresh },
    });
    setAt(minutes(55));
    emu.clearRequests();
    const renewed = await update(outs, news);
    expect(routes()).toEqual(["gcore.refresh", "gcore.userToken"]);
    expect(renewed.accessToken).not.toBe(outs.accessToken);
    expect(notices).toEqual([
      "pulumi-tokens: gcore: user 1234: the refresh answered with an unreadable body and may have used up the refresh JWT; issuing a new pair through the reseller endpoint",
    ]);
  });
});

describe("create", () => {
  it("issues a pair through the reseller endpoint and reads expiries and identity from the JWTs", async () => {
    const { id, outs, stored } = await create();
    // Stored: both JWTs as one (secret) value, no default window, no rotatesAt.
    expect(Object.keys(stored).sort()).toEqual([
      "accessExpiresAt",
      "apiKey",
      "apiUrl",
      "clientId",
      "clientName",
      "email",
      "expiresAt",
      "refreshExpiresAt",
      "secrets",
      "userGroups",
      "userId",
      "userType",
      "username",
    ]);
    expect(stored.secrets).toEqual({ accessToken: outs.accessToken, refreshToken: outs.refreshToken });
    expect(id).toBe("users/1234");
    expect(routes()).toEqual(["gcore.userToken"]);
    expect(emu.requestsFor("gcore")[0]).toMatchObject({
      method: "GET",
      path: "/iam/auth/jwt/users/1234/token",
      status: 200,
    });
    expect(outs).toMatchObject({
      userId: 1234,
      rotateBeforeMinutes: 10,
      accessExpiresAt: "2030-01-01T01:00:00.000Z",
      refreshExpiresAt: "2030-01-02T00:00:00.000Z",
      expiresAt: "2030-01-01T01:00:00.000Z",
      rotatesAt: "2030-01-01T00:50:00.000Z",
      clientId: emu.seeds.gcore.clientId,
      userType: "common",
      username: emu.seeds.gcore.userEmail,
      email: emu.seeds.gcore.userEmail,
      userGroups: ["Administrators"],
      clientName: "Test Company",
    });
    expect(Object.keys(outs)).not.toContain("jti");
    await expect(emu.gcore.verifyAccessToken(String(outs.accessToken))).resolves.toMatchObject({
      user_id: 1234,
    });
    expect(decodeJwt(String(outs.refreshToken)).token_type).toBe("refresh");
  });

  it("takes the API URL and key from the stack config", async () => {
    await configureProvider(gcoreProvider, {
      "gcore:apiUrl": emu.url,
      "gcore:apiKey": emu.seeds.gcore.resellerApiKey,
    });
    const { outs } = await create({ apiUrl: undefined, apiKey: undefined });
    expect(routes()).toEqual(["gcore.userToken"]);
    expect(outs.apiKey).toBeUndefined();
    // The resolved endpoint is stored (like NetBird's), so refresh and destroy reach the same API.
    expect(outs.apiUrl).toBe(emu.url);
  });

  it("takes the API URL and key from GCORE_API_URL and GCORE_API_KEY", async () => {
    process.env.GCORE_API_URL = emu.url;
    process.env.GCORE_API_KEY = emu.seeds.gcore.resellerApiKey;
    const { outs } = await create({ apiUrl: undefined, apiKey: undefined, rotateBeforeMinutes: 30 });
    expect(routes()).toEqual(["gcore.userToken"]);
    expect(outs.rotatesAt).toBe("2030-01-01T00:30:00.000Z");
  });

  it("fails with MissingCredentialsError naming every source when no key is found", async () => {
    const error = await gcoreProvider
      .create({ userId: 1234, rotateBeforeMinutes: 10, apiUrl: emu.url })
      .catch((e) => e);
    expect(error).toBeInstanceOf(MissingCredentialsError);
    expect(error).toMatchObject({
      code: "ERR_MISSING_CREDENTIALS",
      message:
        'gcore: no apiKey found: set the "apiKey" input, the stack config "gcore:apiKey" or the environment variable GCORE_API_KEY',
    });
    expect(routes()).toEqual([]);
  });

  it.each([
    [
      "a key that is not a reseller's (403)",
      () => ({ apiKey: emu.seeds.gcore.commonApiKey }),
      403,
      "You do not have permission to perform this action.",
    ],
    ["an unknown user (404)", () => ({ userId: 4242 }), 404, "Resource not found."],
  ])(
    "turns %s into a typed error with Gcore's message and no secret",
    async (_label, extra, status, apiMessage) => {
      const given: Bag = { ...inputs(), rotateBeforeMinutes: 10, ...extra() };
      const error = await gcoreProvider.create(given).catch((e) => e);
      expect(error).toBeInstanceOf(ApiResponseError);
      expect(error).toMatchObject({
        code: "ERR_API_RESPONSE",
        status,
        apiMessage,
        message: `gcore: issue user token failed with HTTP ${status}: ${apiMessage} (GET ${emu.url}/iam/auth/jwt/users/${String(given.userId)}/token)`,
      });
      for (const text of [
        String(error),
        JSON.stringify(error),
        inspect(error, { depth: 5 }),
        String(error.stack),
      ]) {
        expect(text).not.toContain(String(given.apiKey));
        expect(text).not.toContain(String(given.apiKey).split("_")[1]);
      }
    },
  );

  it("reads JWTs whose identity claims are null (Gcore's carry nulls) and leaves those outputs out", async () => {
    const exp = Math.floor(T0.getTime() / 1000) + 3600;
    const nulls = {
      email: null,
      username: null,
      client_id: null,
      client_name: null,
      user_groups: null,
      sso_entity: null,
    };
    const header = { typ: "JWT", alg: "RS256" };
    emu.faults.inject("gcore.userToken", {
      kind: "status",
      status: 200,
      body: {
        access: jwt(header, { token_type: "access", exp, user_id: 1234, user_type: "common", ...nulls }),
        refresh: jwt(header, { token_type: "refresh", exp: exp + 86_400, user_id: 1234, ...nulls }),
      },
    });
    const { stored } = await create();
    expect(stored).toMatchObject({ userId: 1234, userType: "common", expiresAt: "2030-01-01T01:00:00.000Z" });
    for (const key of ["email", "username", "clientId", "clientName", "userGroups"])
      expect(stored).not.toHaveProperty(key);
  });

  it("turns Gcore's nested validation body into readable text", async () => {
    emu.faults.inject("gcore.userToken", {
      kind: "status",
      status: 400,
      body: { errors: { errors: ["No active account found with the given credentials."] } },
    });
    const error = await gcoreProvider.create({ ...inputs(), rotateBeforeMinutes: 10 }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      code: "ERR_API_RESPONSE",
      message: `gcore: issue user token failed with HTTP 400: No active account found with the given credentials. (GET ${emu.url}/iam/auth/jwt/users/1234/token)`,
    });
  });

  it("rejects a 200 answer whose tokens are not JWTs as an invalid response", async () => {
    emu.faults.inject("gcore.userToken", {
      kind: "status",
      status: 200,
      body: { access: "opaque", refresh: "opaque" },
    });
    const error = await gcoreProvider.create({ ...inputs(), rotateBeforeMinutes: 10 }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_RESPONSE",
      message: `gcore: issue user token returned an unexpected response: the access token is not a JWT with an "exp" claim (GET ${emu.url}/iam/auth/jwt/users/1234/token)`,
    });
  });

  it("retries the reseller GET on 503", async () => {
    emu.faults.inject("gcore.userToken", { kind: "status", status: 503 });
    await create();
    expect(emu.requestsFor("gcore").map((entry) => entry.status)).toEqual([503, 200]);
  });
});

describe("diff", () => {
  it("reports nothing before rotatesAt and calls no API", async () => {
    const { stored: outs, news } = await create();
    emu.clearRequests();
    setAt(minutes(49));
    await expect(gcoreProvider.diff?.("users/1234", outs, news)).resolves.toEqual({ changes: false });
    expect(routes()).toEqual([]);
  });

  it("reports an update at rotatesAt, when the trigger changes, and a replace for userId or apiUrl", async () => {
    const { stored: outs, news } = await create();
    emu.clearRequests();
    setAt(minutes(50));
    await expect(gcoreProvider.diff?.("users/1234", outs, news)).resolves.toEqual({ changes: true });
    setAt(T0);
    await expect(
      gcoreProvider.diff?.("users/1234", outs, { ...news, rotationTrigger: "x" }),
    ).resolves.toEqual({
      changes: true,
    });
    await expect(gcoreProvider.diff?.("users/1234", outs, { ...news, userId: 9001 })).resolves.toEqual({
      changes: true,
      replaces: ["userId"],
      deleteBeforeReplace: false,
    });
    await expect(
      gcoreProvider.diff?.("users/1234", outs, { ...news, apiUrl: "https://api.gcore.example" }),
    ).resolves.toMatchObject({ replaces: ["apiUrl"] });
    expect(routes()).toEqual([]);
  });
});

describe("update", () => {
  it("only moves rotatesAt when rotateBeforeMinutes changes, without calling the API", async () => {
    const { outs, news } = await create();
    emu.clearRequests();
    const updated = await update(outs, { ...news, rotateBeforeMinutes: 20 });
    expect(routes()).toEqual([]);
    expect(updated).toMatchObject({ rotatesAt: "2030-01-01T00:40:00.000Z", accessToken: outs.accessToken });
  });

  it("renews through the refresh endpoint when due; the old refresh token is then rejected", async () => {
    const { outs, news } = await create();
    emu.clearRequests();
    setAt(minutes(50));
    const renewed = await update(outs, news);
    expect(routes()).toEqual(["gcore.refresh"]);
    expect(emu.requestsFor("gcore")[0]).toMatchObject({
      method: "POST",
      path: "/iam/auth/jwt/refresh",
      status: 200,
    });
    expect(renewed.refreshToken).not.toBe(outs.refreshToken);
    expect(renewed.accessToken).not.toBe(outs.accessToken);
    expect(renewed).toMatchObject({
      accessExpiresAt: "2030-01-01T01:50:00.000Z",
      refreshExpiresAt: "2030-01-02T00:50:00.000Z",
      rotatesAt: "2030-01-01T01:40:00.000Z",
      userType: "common",
    });
    expect(emu.gcore.isRefreshTokenBlacklisted(String(outs.refreshToken))).toBe(true);
    expect(emu.gcore.isRefreshTokenBlacklisted(String(renewed.refreshToken))).toBe(false);
    const reused = await fetch(`${emu.url}/iam/auth/jwt/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh: outs.refreshToken }),
    });
    expect(reused.status).toBe(401);
    expect(notices).toEqual([]);
  });

  it("renews when rotationTrigger changes, even before rotatesAt", async () => {
    const { outs, news } = await create();
    emu.clearRequests();
    const renewed = await update(outs, { ...news, rotationTrigger: "2" });
    expect(routes()).toEqual(["gcore.refresh"]);
    expect(renewed.rotationTrigger).toBe("2");
  });

  it("re-issues through the reseller endpoint when the refresh token has expired, saying why", async () => {
    const { outs, news } = await create();
    emu.clearRequests();
    setAt(minutes(24 * 60));
    const renewed = await update(outs, news);
    expect(routes()).toEqual(["gcore.userToken"]);
    expect(renewed).toMatchObject({
      refreshExpiresAt: "2030-01-03T00:00:00.000Z",
      rotatesAt: "2030-01-02T00:50:00.000Z",
    });
    // The reason is given once, by diff (see rotation-notice); the update adds no line of its own.
    expect(notices).toEqual([]);
  });

  it("re-issues when refresh answers 401 (blacklisted behind Pulumi's back)", async () => {
    const { outs, news } = await create();
    emu.gcore.blacklistRefreshToken(String(outs.refreshToken));
    emu.clearRequests();
    setAt(minutes(55));
    const renewed = await update(outs, news);
    expect(routeStatuses()).toEqual([
      ["gcore.refresh", 401],
      ["gcore.userToken", 200],
    ]);
    await expect(emu.gcore.verifyAccessToken(String(renewed.accessToken))).resolves.toMatchObject({
      user_id: 1234,
    });
    expect(notices).toEqual([
      "pulumi-tokens: gcore: user 1234: the refresh JWT was rejected with HTTP 401 (blacklisted, expired or invalid); issuing a new pair through the reseller endpoint",
    ]);
  });

  it("re-issues in the same run when the refresh response is lost after the API used the token up", async () => {
    const { outs, news } = await create();
    emu.faults.inject("gcore.refresh", { kind: "drop-after" });
    emu.clearRequests();
    setAt(minutes(50));
    const renewed = await update(outs, news);
    expect(routeStatuses()).toEqual([
      ["gcore.refresh", 0],
      ["gcore.userToken", 200],
    ]);
    expect(emu.gcore.isRefreshTokenBlacklisted(String(outs.refreshToken))).toBe(true);
    expect(emu.gcore.isRefreshTokenBlacklisted(String(renewed.refreshToken))).toBe(false);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      /^pulumi-tokens: gcore: user 1234: the refresh response was lost \(network error E[A-Z]+\) and the API may have used up the refresh JWT; issuing a new pair through the reseller endpoint$/,
    );
  });

  it.each([
    [
      { kind: "status", status: 503 } as const,
      "the refresh failed with HTTP 503 (Service Unavailable) and may have used up the refresh JWT",
      503,
    ],
    [
      { kind: "bad-json" } as const,
      "the refresh answered with an unreadable body and may have used up the refresh JWT",
      200,
    ],
  ])("never retries the refresh POST, and re-issues after %j", async (fault, why, status) => {
    const { outs, news } = await create();
    emu.faults.inject("gcore.refresh", fault);
    emu.clearRequests();
    setAt(minutes(50));
    await update(outs, news);
    expect(routeStatuses()).toEqual([
      ["gcore.refresh", status],
      ["gcore.userToken", 200],
    ]);
    expect(notices).toEqual([
      `pulumi-tokens: gcore: user 1234: ${why}; issuing a new pair through the reseller endpoint`,
    ]);
  });

  it("throws the re-issue error when the fallback fails too, after saying why it fell back", async () => {
    const { outs, news } = await create();
    emu.gcore.blacklistRefreshToken(String(outs.refreshToken));
    emu.faults.inject("gcore.userToken", { kind: "status", status: 403 });
    emu.clearRequests();
    setAt(minutes(50));
    const error = await gcoreProvider.update?.("users/1234", outs, news).catch((e) => e);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      code: "ERR_API_RESPONSE",
      message: `gcore: issue user token failed with HTTP 403: Forbidden (GET ${emu.url}/iam/auth/jwt/users/1234/token)`,
    });
    expect(notices).toHaveLength(1);
  });
});

describe("read", () => {
  it("keeps the state (secrets carried over) while the user exists", async () => {
    const { id, stored: outs } = await create();
    emu.clearRequests();
    setAt(minutes(70)); // access expired, refresh still valid
    const read = await gcoreProvider.read?.(id, { ...outs, __provider: "p" });
    expect(routes()).toEqual(["gcore.getUser"]);
    expect(read?.id).toBe("users/1234");
    expect(read?.props).toEqual(outs);
  });

  it("drops the pair when both tokens have expired, without calling the API", async () => {
    const { id, outs } = await create();
    emu.clearRequests();
    setAt(minutes(24 * 60));
    await expect(gcoreProvider.read?.(id, outs)).resolves.toEqual({});
    expect(routes()).toEqual([]);
    expect(notices).toEqual([
      "pulumi-tokens: gcore: user 1234: both JWTs have expired; the pair is dropped from the state",
    ]);
  });

  it("drops the pair when the user no longer exists", async () => {
    const own = await startEmulator({ now: T0 });
    try {
      const given = {
        userId: 1234,
        rotateBeforeMinutes: 10,
        apiUrl: own.url,
        apiKey: own.seeds.gcore.resellerApiKey,
      };
      const created = await gcoreProvider.create(given);
      own.gcore.deleteUser(1234);
      await expect(gcoreProvider.read?.(created.id, created.outs as Bag)).resolves.toEqual({});
      expect(own.requestsFor("gcore").map((entry) => [entry.route, entry.status])).toEqual([
        ["gcore.userToken", 200],
        ["gcore.getUser", 404],
      ]);
      expect(notices).toEqual([
        "pulumi-tokens: gcore: user 1234: the user no longer exists (HTTP 404); the pair is dropped from the state",
      ]);
    } finally {
      await own.close();
    }
  });
});

describe("read errors", () => {
  it("fails loudly on an API error other than 404 instead of dropping the pair", async () => {
    const { id, outs } = await create();
    emu.faults.inject("gcore.getUser", { kind: "status", status: 403 });
    const error = await gcoreProvider.read?.(id, outs).catch((e) => e);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      code: "ERR_API_RESPONSE",
      message: `gcore: read user failed with HTTP 403: Forbidden (GET ${emu.url}/iam/users/1234)`,
    });
    expect(inspect(error, { depth: 5 })).not.toContain(emu.seeds.gcore.resellerApiKey);
  });
});

describe("delete", () => {
  it("forgets the pair without calling the API and says how long it stays valid", async () => {
    const { id, outs } = await create();
    emu.clearRequests();
    await gcoreProvider.delete?.(id, outs);
    expect(routes()).toEqual([]);
    expect(notices).toEqual([
      "pulumi-tokens: gcore: user 1234: Gcore cannot revoke JWTs; forgetting the pair, which stays valid until it expires (access JWT: 2030-01-01T01:00:00.000Z, refresh JWT: 2030-01-02T00:00:00.000Z)",
    ]);
  });

  it("is silent for an expired pair", async () => {
    const { id, outs } = await create();
    setAt(minutes(24 * 60));
    await gcoreProvider.delete?.(id, outs);
    expect(notices).toEqual([]);
    expect(routes()).toEqual(["gcore.userToken"]);
  });

  it("refuses state without tokens with InvalidStateError, before any call", async () => {
    const error = await gcoreProvider
      .delete?.("users/1234", { userId: 1234 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidStateError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_STATE",
      message:
        'gcore: the stored state of "users/1234" is unusable: "accessToken" is missing or not a string; remove the resource from the stack with `pulumi state delete <urn>` and, if a credential still exists at the API, revoke it there',
    });
    expect(routes()).toEqual([]);
  });
});

describe("describeError", () => {
  it.each([
    [{ errors: { refresh: ["This field is required."] } }, "refresh: This field is required."],
    [
      { errors: { password: ["This field is required"], username: ["a", "b"] } },
      "password: This field is required; username: a; username: b",
    ],
    [
      { errors: { errors: ["No active account found with the given credentials."] } },
      "No active account found with the given credentials.",
    ],
    [{ errors: { client_user: { role: ["Invalid role: X"] } } }, "client_user.role: Invalid role: X"],
    [{ errors: { non_field_errors: ["Invalid data."] } }, "Invalid data."],
    [
      { message: "JSON parse error - Expecting ',' delimiter\n" },
      "JSON parse error - Expecting ',' delimiter",
    ],
    [{ detail: "Token is invalid or expired", code: "token_not_valid" }, "Token is invalid or expired"],
    [{ errors: {}, detail: "fallback" }, "fallback"],
    [{ other: 1 }, undefined],
    ["text", undefined],
    [undefined, undefined],
  ])("%j → %j", (body, text) => {
    expect(describeError(body)).toBe(text);
  });
});
