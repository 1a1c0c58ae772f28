import { createHash } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { call, postJson, type Reply, T0 } from "./helpers.ts";

/** CRC32 (IEEE) from node:zlib; the known-answer test below pins it to an independent computation. */
const crc32 = (text: string): number => zlibCrc32(Buffer.from(text, "utf8")) >>> 0;
/** Computed with Python's zlib.crc32 and base62 by hand: an oracle that shares no code with the emulator. */
const KNOWN_ANSWER = { secret: "A".repeat(30), token: "nbp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA0uCPlr" };
const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const decodeBase62 = (text: string) => [...text].reduce((acc, ch) => acc * 62 + B62.indexOf(ch), 0);

/** base62 of a number, padded to 6 (test-side encoder). */
function encode(value: number): string {
  let out = "";
  let v = value;
  do {
    out = B62[v % 62] + out;
    v = Math.floor(v / 62);
  } while (v > 0);
  return out.padStart(6, "0");
}

/** A different base62 character at `index`. */
function flipChar(token: string, index: number): string {
  const ch = token[index] ?? "0";
  return token.slice(0, index) + (ch === "A" ? "B" : "A") + token.slice(index + 1);
}

let emu: Emulator;
let base: string;
const auth = (token: string) => ({ authorization: `Token ${token}` });

beforeAll(async () => {
  emu = await startEmulator({ now: T0 });
  base = emu.url;
});
afterAll(() => emu.close());

/** Issues a PAT for svc-ci through the API of `server`, with its admin credential. */
async function issueToken(
  server: Emulator,
  body: { name: string; expires_in: number },
): Promise<{ created: Reply; plain: string; pat: { id: string } }> {
  const created = await postJson(
    `${server.url}/api/users/svc-ci/tokens`,
    body,
    auth(server.seeds.netbird.adminToken),
  );
  const { plain_token: plain, personal_access_token: pat } = created.json as {
    plain_token: string;
    personal_access_token: { id: string };
  };
  return { created, plain, pat };
}

describe("netbird authentication", () => {
  it("GET /api/users/current with Token and Bearer PATs, scheme case-insensitive", async () => {
    const admin = emu.seeds.netbird.adminToken;
    for (const header of [`Token ${admin}`, `Bearer ${admin}`, `token ${admin}`]) {
      const r = await call(`${base}/api/users/current`, { headers: { authorization: header } });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("application/json; charset=UTF-8");
      expect(r.json).toMatchObject({
        id: "user-admin",
        role: "admin",
        is_service_user: false,
        is_current: true,
      });
    }
  });

  it.each([
    ["missing header", undefined],
    ["other scheme", "Basic dXNlcjpwYXNz"],
  ])("401 'no valid authentication provided' for %s", async (_label, header) => {
    const init = header === undefined ? {} : { headers: { authorization: header } };
    const r = await call(`${base}/api/users/current`, init);
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ message: "no valid authentication provided", code: 401 });
  });

  // The real server (v0.69.0) picks the scheme from the first part; a malformed Token header is then
  // "token invalid", as test/e2e/netbird-differential.test.ts measures.
  it.each([
    ["three parts", "Token a b"],
    ["no value", "Token"],
  ])("401 'token invalid' for a Token header with %s", async (_label, header) => {
    const r = await call(`${base}/api/users/current`, { headers: { authorization: header } });
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ message: "token invalid", code: 401 });
  });

  it("the test-side checksum matches a known-answer token", () => {
    expect(`nbp_${KNOWN_ANSWER.secret}${encode(crc32(KNOWN_ANSWER.secret))}`).toBe(KNOWN_ANSWER.token);
  });

  it("404 'invalid token: pat: <hash> not found' for a well-formed unknown token, like the real server", async () => {
    const unknownSecret = "A".repeat(30);
    const unknownWellFormed = `nbp_${unknownSecret}${encode(crc32(unknownSecret))}`;
    const hash = createHash("sha256").update(unknownWellFormed).digest("base64");
    const r = await call(`${base}/api/users/current`, {
      headers: { authorization: `Token ${unknownWellFormed}` },
    });
    expect(r.status).toBe(404);
    // The server lower-cases the message, the hash included.
    expect(r.json).toEqual({ message: `invalid token: pat: ${hash.toLowerCase()} not found`, code: 404 });
    expect(emu.netbird.authenticate(unknownWellFormed)).toBe(false);
  });

  it("401 'token invalid' for malformed, bad checksum tokens and JWTs", async () => {
    const admin = emu.seeds.netbird.adminToken;
    const bad = [
      `Token ${admin.slice(0, 39)}`, // length
      `Token xyz_${admin.slice(4)}`, // prefix
      `Token ${flipChar(admin, 39)}`, // checksum char flipped
      `Token ${admin.slice(0, 34)}!${admin.slice(35)}`, // non-base62 checksum char
      "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig", // IdP JWT: no IdP emulated
    ];
    for (const header of bad) {
      const r = await call(`${base}/api/users/current`, { headers: { authorization: header } });
      expect([header, r.status, r.json]).toEqual([header, 401, { message: "token invalid", code: 401 }]);
    }
    expect(emu.netbird.authenticate(admin)).toBe(true);
  });
});

describe("netbird PAT lifecycle", () => {
  it("POST creates a token: 200, valid nbp_ checksum, xid id, calendar-day expiry, no last_used", async () => {
    const r = await postJson(
      `${base}/api/users/svc-ci/tokens`,
      { name: "ci", expires_in: 90 },
      auth(emu.seeds.netbird.adminToken),
    );
    expect(r.status).toBe(200);
    const body = r.json as { plain_token: string; personal_access_token: Record<string, unknown> };
    expect(body.plain_token).toMatch(/^nbp_[0-9A-Za-z]{36}$/);
    const secret = body.plain_token.slice(4, 34);
    expect(decodeBase62(body.plain_token.slice(34))).toBe(crc32(secret));
    expect(body.plain_token.slice(34)).toBe(encode(crc32(secret)));
    expect(body.personal_access_token).toEqual({
      id: expect.stringMatching(/^[0-9a-v]{20}$/),
      name: "ci",
      expiration_date: "2030-04-01T00:00:00Z",
      created_by: "user-admin",
      created_at: "2030-01-01T00:00:00Z",
    });
    expect(emu.netbird.authenticate(body.plain_token)).toBe(true);
    // one flipped checksum character → 401
    const flipped = flipChar(body.plain_token, 36);
    const bad = await call(`${base}/api/users/current`, { headers: auth(flipped) });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ message: "token invalid", code: 401 });
    // the service user can read its own tokens with its PAT but may not create one (role "user")
    const own = await call(`${base}/api/users/svc-ci/tokens`, { headers: auth(body.plain_token) });
    expect(own.status).toBe(200);
    const create = await postJson(
      `${base}/api/users/svc-ci/tokens`,
      { name: "x", expires_in: 1 },
      auth(body.plain_token),
    );
    expect(create.status).toBe(403);
    expect(create.json).toEqual({ message: "permission denied", code: 403 });
  });

  it("accepts the boundaries 1 and 365 days", async () => {
    for (const days of [1, 365]) {
      const r = await postJson(
        `${base}/api/users/user-admin/tokens`,
        { name: `d${days}`, expires_in: days },
        auth(emu.seeds.netbird.adminToken),
      );
      expect(r.status).toBe(200);
    }
  });

  it("list returns JSON null when empty; get, delete 200 {}, then 404 and the token no longer authenticates", async () => {
    const local = await startEmulator({ now: T0 });
    try {
      const admin = auth(local.seeds.netbird.adminToken);
      const tokens = `${local.url}/api/users/svc-ci/tokens`;
      const list0 = await call(tokens, { headers: admin });
      expect(list0.status).toBe(200);
      expect(list0.text).toBe("null");

      const { created, plain, pat } = await issueToken(local, { name: "ci", expires_in: 30 });
      const token = `${tokens}/${pat.id}`;
      const list1 = await call(tokens, { headers: admin });
      expect(list1.json).toEqual([expect.objectContaining({ id: pat.id, name: "ci" })]);

      const get = await call(token, { headers: admin });
      expect(get.status).toBe(200);
      expect(get.json).toEqual((created.json as { personal_access_token: unknown }).personal_access_token);

      // a token of another user is not found under this user
      const wrongUser = await call(`${local.url}/api/users/user-admin/tokens/${pat.id}`, { headers: admin });
      expect(wrongUser.status).toBe(404);
      expect(wrongUser.json).toEqual({ message: `pat: ${pat.id} not found`, code: 404 });

      const del = await call(token, { method: "DELETE", headers: admin });
      expect(del.status).toBe(200);
      expect(del.json).toEqual({});

      const after = await call(token, { headers: admin });
      expect(after.status).toBe(404);
      expect(after.json).toEqual({ message: `pat: ${pat.id} not found`, code: 404 });
      const delAgain = await call(token, { method: "DELETE", headers: admin });
      expect(delAgain.status).toBe(404);

      // A deleted token is unknown to the store: 404 "invalid token: pat: <hash> not found".
      const use = await call(`${local.url}/api/users/current`, { headers: auth(plain) });
      expect(use.status).toBe(404);
      expect(use.json).toEqual({
        message: `invalid token: pat: ${createHash("sha256").update(plain).digest("base64").toLowerCase()} not found`,
        code: 404,
      });
      expect(local.netbird.authenticate(plain)).toBe(false);
      expect((await call(tokens, { headers: admin })).text).toBe("null");
    } finally {
      await local.close();
    }
  });

  it("unknown token id → 404 'pat: <id> not found'", async () => {
    const r = await call(`${base}/api/users/svc-ci/tokens/doesnotexist00000000`, {
      headers: auth(emu.seeds.netbird.adminToken),
    });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ message: "pat: doesnotexist00000000 not found", code: 404 });
  });

  it("successful auth sets last_used to the emulator clock; authenticate() does not", async () => {
    const local = await startEmulator({ now: T0 });
    try {
      const admin = auth(local.seeds.netbird.adminToken);
      const { plain, pat } = await issueToken(local, { name: "ci", expires_in: 30 });
      local.clock.advance(5 * 60_000);
      expect(local.netbird.authenticate(plain)).toBe(true);
      expect(local.netbird.tokens("svc-ci")[0]?.lastUsed).toBeUndefined();
      // A service user may not ask who it is (403, as the real server), but it is authenticated first.
      const current = await call(`${local.url}/api/users/current`, { headers: auth(plain) });
      expect(current.status).toBe(403);
      expect(current.json).toEqual({ message: "permission denied", code: 403 });
      const get = await call(`${local.url}/api/users/svc-ci/tokens/${pat.id}`, { headers: admin });
      expect(get.json).toMatchObject({ last_used: "2030-01-01T00:05:00Z" });
      expect(local.netbird.tokens("svc-ci")[0]).toMatchObject({
        id: pat.id,
        lastUsed: "2030-01-01T00:05:00Z",
      });
    } finally {
      await local.close();
    }
  });

  it("expiry follows the clock: valid at expiration_date, 401 after; expired tokens are still listed", async () => {
    const local = await startEmulator({ now: T0 });
    try {
      const { plain } = await issueToken(local, { name: "short", expires_in: 1 });
      local.clock.advance(86_400_000);
      const own = `${local.url}/api/users/svc-ci/tokens`;
      expect((await call(own, { headers: auth(plain) })).status).toBe(200);
      local.clock.advance(1000);
      const r = await call(own, { headers: auth(plain) });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ message: "token invalid", code: 401 });
      expect(local.netbird.authenticate(plain)).toBe(false);
      expect(local.netbird.tokens("svc-ci").map((t) => t.name)).toEqual(["short"]);
    } finally {
      await local.close();
    }
  });

  it("control.deleteToken revokes behind the API's back", async () => {
    const { plain, pat } = await issueToken(emu, { name: "ctl", expires_in: 5 });
    expect(emu.netbird.deleteToken("user-admin", pat.id)).toBe(false);
    expect(emu.netbird.deleteToken("svc-ci", pat.id)).toBe(true);
    expect(emu.netbird.authenticate(plain)).toBe(false);
  });
});

describe("netbird validation and authorization order", () => {
  const url = (user: string) => `${base}/api/users/${user}/tokens`;
  const admin = () => auth(emu.seeds.netbird.adminToken);
  const plainUser = () => auth(emu.seeds.netbird.plainUserToken);

  it.each([
    ["bad JSON", "{not json"],
    ["empty body", ""],
    ["wrong type", '{"name":"x","expires_in":"30"}'],
    ["array", "[]"],
    ["non-integer", '{"name":"x","expires_in":1.5}'],
  ])("400 for %s (before any permission check)", async (_label, body) => {
    for (const headers of [admin(), plainUser()]) {
      const r = await postJson(url("svc-ci"), body, headers);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ message: "couldn't parse JSON request", code: 400 });
    }
  });

  it("422 empty or missing name, then 422 expires_in out of 1..365", async () => {
    for (const body of [{ name: "", expires_in: 30 }, { expires_in: 30 }, { name: "", expires_in: 0 }]) {
      const r = await postJson(url("svc-ci"), body, plainUser());
      expect(r.status).toBe(422);
      expect(r.json).toEqual({ message: "token name can't be empty", code: 422 });
    }
    for (const body of [{ name: "x", expires_in: 0 }, { name: "x", expires_in: 366 }, { name: "x" }]) {
      const r = await postJson(url("svc-ci"), body, plainUser());
      expect(r.status).toBe(422);
      expect(r.json).toEqual({ message: "expiration has to be between 1 and 365", code: 422 });
    }
  });

  it("403 'permission denied' for a plain user, even on its own tokens", async () => {
    const me = emu.seeds.netbird.plainUserId;
    const cases: [string, RequestInit][] = [
      [url(me), { method: "POST", body: JSON.stringify({ name: "x", expires_in: 1 }), headers: plainUser() }],
      [url(me), { headers: plainUser() }],
      [`${url(me)}/whatever`, { headers: plainUser() }],
      [`${url(me)}/whatever`, { method: "DELETE", headers: plainUser() }],
      [url("svc-ci"), { headers: plainUser() }],
    ];
    for (const [target, init] of cases) {
      const r = await call(target, init);
      expect(r.status).toBe(403);
      expect(r.json).toEqual({ message: "permission denied", code: 403 });
    }
  });

  it("404 unknown target user, 403 foreign-account user, 403 admin on a non-service user", async () => {
    const body = { name: "x", expires_in: 1 };
    const unknown = await postJson(url("nobody"), body, admin());
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: "user: nobody not found", code: 404 });
    // The message is lower-cased, the id included, as the real server writes a NotFound.
    const mixedCase = await postJson(url("NoBody"), body, admin());
    expect(mixedCase.json).toEqual({ message: "user: nobody not found", code: 404 });

    const foreign = await postJson(url(emu.seeds.netbird.foreignUserId), body, admin());
    expect(foreign.status).toBe(403);
    expect(foreign.json).toEqual({ message: "permission denied", code: 403 });

    for (const init of [
      { method: "POST", body: JSON.stringify(body), headers: admin() },
      { headers: admin() },
    ] satisfies RequestInit[]) {
      const r = await call(url(emu.seeds.netbird.plainUserId), init);
      expect(r.status).toBe(403);
      expect(r.json).toEqual({ message: "admin role required to perform this action", code: 403 });
    }
    const other = await call(`${url(emu.seeds.netbird.plainUserId)}/x`, {
      method: "DELETE",
      headers: admin(),
    });
    expect(other.json).toEqual({ message: "admin role required to perform this action", code: 403 });

    const own = await call(url("user-admin"), { headers: admin() });
    expect(own.status).toBe(200);
    expect((own.json as { name: string }[]).map((t) => t.name)).toContain("admin-token");
  });
});

describe("netbird rate limit", () => {
  afterEach(() => {
    emu.netbird.setRateLimit(undefined);
    emu.clock.set(T0);
  });

  it("per-PAT token bucket: 429 past the burst, refills with the clock, terraform exempt", async () => {
    const admin = emu.seeds.netbird.adminToken;
    emu.netbird.setRateLimit({ rpm: 60, burst: 2 });
    const me = () => call(`${base}/api/users/current`, { headers: auth(admin) });
    expect((await me()).status).toBe(200);
    expect((await me()).status).toBe(200);
    const limited = await me();
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ message: "too many requests", code: 429 });
    // each PAT has its own bucket
    const other = await call(`${base}/api/users/current`, {
      headers: auth(emu.seeds.netbird.plainUserToken),
    });
    expect(other.status).toBe(200);
    const terraform = await call(`${base}/api/users/current`, {
      headers: { ...auth(admin), "user-agent": "Terraform/1.9" },
    });
    expect(terraform.status).toBe(200);
    emu.clock.advance(1000); // 60 rpm = one token per second
    expect((await me()).status).toBe(200);
    expect((await me()).status).toBe(429);
    emu.netbird.setRateLimit(undefined);
    expect((await me()).status).toBe(200);
  });
});

describe("netbird router: unmatched routes, CORS and body size as v0.69.0 (gorilla/mux, rs/cors, net/http)", () => {
  it("a route that does not exist: plain-text `404 page not found`, no CORS headers", async () => {
    const admin = auth(emu.seeds.netbird.adminToken);
    for (const [method, path] of [
      ["PUT", "/api/users/svc-ci/tokens/d0000000000000000000"],
      ["PATCH", "/api/users/svc-ci/tokens"],
      ["DELETE", "/api/users/svc-ci/tokens"],
      ["POST", "/api/users/svc-ci/tokens/d0000000000000000000"],
      ["GET", "/api/nothing-here"],
      ["OPTIONS", "/api/nothing-here"],
    ] as const) {
      const r = await call(`${base}${path}`, {
        method,
        headers: { ...admin, origin: "https://app.example", "access-control-request-method": "GET" },
      });
      expect([method, path, r.status, r.text, Object.fromEntries(r.headers)]).toEqual([
        method,
        path,
        404,
        "404 page not found\n",
        {
          connection: "keep-alive",
          "content-length": "19",
          "content-type": "text/plain; charset=utf-8",
          date: r.headers.get("date"),
          "keep-alive": "timeout=5",
          "x-content-type-options": "nosniff",
        },
      ]);
    }
  });

  it("a CORS preflight on a route: 204 with rs/cors AllowAll's headers, before authentication", async () => {
    emu.clearRequests();
    const r = await call(`${base}/api/users/svc-ci/tokens`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "post",
        "access-control-request-headers": "authorization,content-type x-trace_id",
      },
    });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(r.headers.get("content-type")).toBeNull();
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    expect(r.headers.get("access-control-allow-methods")).toBe("POST");
    expect(r.headers.get("access-control-allow-headers")).toBe("Authorization, Content-Type, X-Trace_Id");
    expect(r.headers.get("vary")).toBe(
      "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    );
    expect(emu.requests.map((e) => [e.route, e.method, e.status])).toEqual([
      ["netbird.listTokens", "OPTIONS", 204],
    ]);

    // Without an Origin, or for a method rs/cors does not allow: 204 with Vary only.
    for (const headers of [
      { "access-control-request-method": "GET" },
      { origin: "https://app.example", "access-control-request-method": "TRACE" },
    ]) {
      const bare = await call(`${base}/api/users/current`, { method: "OPTIONS", headers });
      expect(bare.status).toBe(204);
      expect(bare.headers.get("access-control-allow-origin")).toBeNull();
      expect(bare.headers.get("vary")).toBe(
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
      );
    }
  });

  it("OPTIONS that is not a preflight reaches the route (and its authentication); answers carry Vary: Origin", async () => {
    const anonymous = await call(`${base}/api/users/svc-ci/tokens`, { method: "OPTIONS" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual({ message: "no valid authentication provided", code: 401 });
    expect(anonymous.headers.get("vary")).toBe("Origin");
    expect(anonymous.headers.get("access-control-allow-origin")).toBeNull();

    const crossOrigin = await call(`${base}/api/users/svc-ci/tokens`, {
      headers: { ...auth(emu.seeds.netbird.adminToken), origin: "https://app.example" },
    });
    expect(crossOrigin.status).toBe(200);
    expect(crossOrigin.headers.get("vary")).toBe("Origin");
    expect(crossOrigin.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("a 100,000-character name is accepted, as the real server does", async () => {
    const { created, pat } = await issueToken(emu, { name: "n".repeat(100_000), expires_in: 30 });
    expect(created.status).toBe(200);
    expect(emu.netbird.tokens("svc-ci").find((token) => token.id === pat.id)?.name).toHaveLength(100_000);
    expect(emu.netbird.deleteToken("svc-ci", pat.id)).toBe(true);
  });
});
