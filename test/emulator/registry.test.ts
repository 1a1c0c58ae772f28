// The emulator's generic Docker registry token server (src/emulator/registry.ts) against the distribution
// token spec (auth/token.md, oauth.md, jwt.md, scope.md): the /v2/ challenge, GET and OAuth2 POST grants,
// anonymous pulls, scopes cut to each account, every error with its exact status and body, and the modes.
import { decodeJwt, importJWK, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { call, epochSeconds, jwtHeader, T0 } from "./helpers.ts";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ now: T0 });
});
afterAll(() => emu.close());
afterEach(() => {
  emu.registry.resetModes();
  emu.faults.clear();
  emu.clock.set(T0);
});

const SERVICE = "registry.emulator";
const T0_S = epochSeconds(new Date(T0));
const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
});
const ci = () => basic(emu.seeds.registry.ci.username, emu.seeds.registry.ci.password);

/** `GET /auth/token` with `service` and each scope as its own `scope` parameter. */
function tokenGet(
  scopes: string[],
  headers: Record<string, string> = {},
  extra: Record<string, string> = { service: SERVICE },
) {
  const query = new URLSearchParams(extra);
  for (const scope of scopes) query.append("scope", scope);
  return call(`${emu.url}/auth/token?${query}`, { headers });
}

/** `POST /auth/token` with a form body. */
function tokenPost(fields: Record<string, string>, contentType = "application/x-www-form-urlencoded") {
  return call(`${emu.url}/auth/token`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The OAuth2 password grant of `ci`, with overrides. */
const passwordGrant = (extra: Record<string, string> = {}) =>
  tokenPost({
    grant_type: "password",
    service: SERVICE,
    client_id: "pulumi-tokens",
    username: emu.seeds.registry.ci.username,
    password: emu.seeds.registry.ci.password,
    scope: "repository:team/app:pull,push repository:other/repo:pull",
    ...extra,
  });

const tokenOf = (json: unknown) => (json as { token?: string; access_token?: string }).access_token ?? "";
const v2 = (path: string, token?: string, init: RequestInit = {}) =>
  call(`${emu.url}/v2/${path}`, {
    ...init,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

describe("the /v2/ challenge", () => {
  it("401 without a token: Bearer realm = origin + /auth/token, the service, and a scope for a repository path", async () => {
    const realm = `${emu.url}/auth/token`;
    const cases: [string, string, string][] = [
      ["GET", "", `Bearer realm="${realm}",service="${SERVICE}"`],
      [
        "GET",
        "team/app/manifests/latest",
        `Bearer realm="${realm}",service="${SERVICE}",scope="repository:team/app:pull"`,
      ],
      [
        "HEAD",
        "a/b/c/blobs/sha256:00",
        `Bearer realm="${realm}",service="${SERVICE}",scope="repository:a/b/c:pull"`,
      ],
      [
        "GET",
        "team/app/tags/list",
        `Bearer realm="${realm}",service="${SERVICE}",scope="repository:team/app:pull"`,
      ],
      [
        "PUT",
        "team/app/manifests/v1",
        `Bearer realm="${realm}",service="${SERVICE}",scope="repository:team/app:pull,push"`,
      ],
      [
        "POST",
        "team/app/blobs/uploads/",
        `Bearer realm="${realm}",service="${SERVICE}",scope="repository:team/app:pull,push"`,
      ],
      [
        "DELETE",
        "team/app/manifests/v1",
        `Bearer realm="${realm}",service="${SERVICE}",scope="repository:team/app:delete"`,
      ],
      ["GET", "_catalog", `Bearer realm="${realm}",service="${SERVICE}",scope="registry:catalog:*"`],
    ];
    for (const [method, path, header] of cases) {
      const r = await v2(path, undefined, { method });
      expect([method, path, r.status, r.headers.get("www-authenticate")]).toEqual([
        method,
        path,
        401,
        header,
      ]);
      expect(r.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
      if (method !== "HEAD") {
        expect(r.json).toEqual({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] });
      }
    }
    expect(
      emu
        .requestsFor("registry")
        .slice(-cases.length)
        .map((e) => e.route),
    ).toEqual(cases.map(() => "registry.challenge"));
  });

  it("the realm names the host the client asked for (localhost: crane refuses loopback IP-literal realms)", async () => {
    const { request } = await import("node:http");
    const header = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(
        `${emu.url}/v2/`,
        { headers: { host: `localhost:${new URL(emu.url).port}` } },
        (res) => {
          res.resume();
          resolve(res.headers["www-authenticate"]);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(header).toBe(
      `Bearer realm="http://localhost:${new URL(emu.url).port}/auth/token",service="${SERVICE}"`,
    );
  });

  it("200 {} on /v2/ with a token it signed for the service; 401 for another service, a tampered, expired or foreign token", async () => {
    const good = tokenOf((await tokenGet([], ci())).json);
    const ok = await v2("", good);
    expect([ok.status, ok.json]).toEqual([200, {}]);
    expect(ok.headers.get("docker-distribution-api-version")).toBe("registry/2.0");

    const other = tokenOf((await tokenGet([], ci(), { service: "another" })).json);
    const other2 = await startEmulator({ now: T0 });
    const foreign = tokenOf(
      (
        await call(`${other2.url}/auth/token?service=${SERVICE}`, {
          headers: basic("ci", other2.seeds.registry.ci.password),
        })
      ).json,
    );
    await other2.close();
    for (const token of [other, `${good.slice(0, -4)}AAAA`, foreign, "garbage"]) {
      const r = await v2("", token);
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe(
        `Bearer realm="${emu.url}/auth/token",service="${SERVICE}"`,
      );
    }
    emu.clock.advance(300_000);
    expect((await v2("", good)).status).toBe(401);
  });

  it("a repository path: 404 NAME_UNKNOWN when the token covers it, 401 insufficient_scope when not", async () => {
    const reader = emu.seeds.registry.reader;
    const token = tokenOf(
      (await tokenGet(["repository:team/app:pull,push"], basic(reader.username, reader.password))).json,
    );
    const pull = await v2("team/app/manifests/latest", token);
    expect([pull.status, pull.json]).toEqual([
      404,
      { errors: [{ code: "NAME_UNKNOWN", message: "repository name not known to registry" }] },
    ]);
    const push = await v2("team/app/manifests/latest", token, { method: "PUT" });
    expect([push.status, push.json, push.headers.get("www-authenticate")]).toEqual([
      401,
      { errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] },
      `Bearer realm="${emu.url}/auth/token",service="${SERVICE}",scope="repository:team/app:pull,push",error="insufficient_scope"`,
    ]);
    const admin = emu.seeds.registry.admin;
    const catalog = tokenOf(
      (await tokenGet(["registry:catalog:*"], basic(admin.username, admin.password))).json,
    );
    const listed = await v2("_catalog", catalog);
    expect([listed.status, listed.json]).toEqual([200, { repositories: [] }]);
  });
});

describe("GET /auth/token", () => {
  it("Basic: distribution answer {token, access_token, expires_in, issued_at}; claims per jwt.md; scopes cut to the account", async () => {
    const r = await tokenGet(["repository:team/app:pull,push,delete", "repository:other/repo:pull"], ci(), {
      service: SERVICE,
      account: "ci",
      client_id: "pulumi-tokens",
    });
    expect(r.status).toBe(200);
    const body = r.json as Record<string, unknown>;
    expect(body).toEqual({
      token: expect.any(String),
      access_token: body.token,
      expires_in: 300,
      issued_at: "2030-01-01T00:00:00Z",
    });
    const token = String(body.token);
    const key = emu.registry.registrySigningKey();
    expect(jwtHeader(token)).toEqual({ typ: "JWT", alg: "RS256", kid: key.kid });
    expect(decodeJwt(token)).toEqual({
      iss: "registry-token-issuer",
      sub: "ci",
      aud: SERVICE,
      exp: T0_S + 300,
      nbf: T0_S,
      iat: T0_S,
      jti: expect.stringMatching(/^[0-9A-Za-z]{16}$/),
      access: [
        { type: "repository", name: "team/app", actions: ["pull", "push"] },
        { type: "repository", name: "other/repo", actions: [] },
      ],
    });
    const { payload } = await jwtVerify(token, await importJWK(key.jwks.keys[0] as never, "RS256"), {
      currentDate: new Date(T0),
      issuer: "registry-token-issuer",
      audience: SERVICE,
    });
    expect(payload.sub).toBe("ci");
    await expect(emu.registry.verifyToken(token)).resolves.toMatchObject({ sub: "ci", aud: SERVICE });
  });

  it("one key and issuer for ICP and the generic server: the same signing key, and each verifies the other's tokens", async () => {
    expect(emu.registry.registrySigningKey()).toEqual(emu.icp.registrySigningKey());
    const icp = await call(`${emu.url}/image-manager/api/v1/auth/token?service=${SERVICE}`, {
      headers: basic(emu.seeds.icp.username, emu.seeds.icp.password),
    });
    const icpToken = (icp.json as { token: string }).token;
    expect((await v2("", icpToken)).status).toBe(200);
    const registryToken = tokenOf((await tokenGet([], ci())).json);
    await expect(emu.icp.verifyRegistryToken(registryToken)).resolves.toMatchObject({ sub: "ci" });
  });

  it("each seeded account gets what it may: reader pull, robot$ci pull+push, admin everything incl. the catalog", async () => {
    const { reader, robot, admin } = emu.seeds.registry;
    const scopes = ["repository:team/app:pull,push", "repository:x/y:*", "registry:catalog:*"];
    const access = async (headers: Record<string, string>) =>
      decodeJwt(tokenOf((await tokenGet(scopes, headers)).json)).access;
    expect(await access(basic(reader.username, reader.password))).toEqual([
      { type: "repository", name: "team/app", actions: ["pull"] },
      { type: "repository", name: "x/y", actions: [] },
      { type: "registry", name: "catalog", actions: [] },
    ]);
    expect(robot.username).toBe("robot$ci");
    expect(await access(basic(robot.username, robot.password))).toEqual([
      { type: "repository", name: "team/app", actions: ["pull", "push"] },
      { type: "repository", name: "x/y", actions: [] },
      { type: "registry", name: "catalog", actions: [] },
    ]);
    expect(await access(basic(admin.username, admin.password))).toEqual([
      { type: "repository", name: "team/app", actions: ["pull", "push"] },
      { type: "repository", name: "x/y", actions: ["*"] },
      { type: "registry", name: "catalog", actions: ["*"] },
    ]);
  });

  it("anonymous (no Authorization): pull on public/* only, sub '', no refresh token even with offline_token", async () => {
    const r = await tokenGet(
      ["repository:public/base:pull,push", "repository:team/app:pull"],
      {},
      {
        service: SERVICE,
        offline_token: "true",
      },
    );
    expect(r.status).toBe(200);
    expect(Object.keys(r.json as object).sort()).toEqual([
      "access_token",
      "expires_in",
      "issued_at",
      "token",
    ]);
    expect(decodeJwt(tokenOf(r.json))).toMatchObject({
      sub: "",
      aud: SERVICE,
      access: [
        { type: "repository", name: "public/base", actions: ["pull"] },
        { type: "repository", name: "team/app", actions: [] },
      ],
    });
    expect(emu.seeds.registry.anonymousGrants).toEqual(["repository:public/*:pull"]);
  });

  it("no scope: access [] (an empty list, as the spec's servers answer)", async () => {
    expect(decodeJwt(tokenOf((await tokenGet([], ci())).json)).access).toEqual([]);
  });

  it("offline_token=true with Basic adds a refresh token that the OAuth2 refresh grant takes", async () => {
    const r = await tokenGet(["repository:team/app:pull"], ci(), {
      service: SERVICE,
      offline_token: "true",
      client_id: "docker",
    });
    const refreshToken = (r.json as { refresh_token: string }).refresh_token;
    expect(refreshToken).toMatch(/^[0-9A-Za-z]{32}$/);
    const refreshed = await tokenPost({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: "docker",
      service: SERVICE,
      scope: "repository:team/app:push",
    });
    expect(refreshed.status).toBe(200);
    expect((refreshed.json as { refresh_token: string }).refresh_token).toBe(refreshToken);
  });

  it("errors: 400 without service or with a malformed scope; 401 with a Basic challenge for bad or non-Basic credentials", async () => {
    const noService = await tokenGet(["repository:team/app:pull"], ci(), {});
    expect([noService.status, noService.json]).toEqual([
      400,
      { errors: [{ code: "UNSUPPORTED", message: "a service is required" }] },
    ]);
    const badScope = await tokenGet(["repository:team/app"], ci());
    expect([badScope.status, badScope.json]).toEqual([
      400,
      { errors: [{ code: "UNSUPPORTED", message: "invalid scope" }] },
    ]);
    for (const headers of [
      basic("ci", "wrong"),
      basic("nobody", emu.seeds.registry.ci.password),
      { authorization: "Basic !!!" },
      { authorization: `Bearer ${emu.seeds.registry.ci.password}` },
    ]) {
      const r = await tokenGet(["repository:team/app:pull"], headers);
      expect([r.status, r.json, r.headers.get("www-authenticate")]).toEqual([
        401,
        { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] },
        'Basic realm="registry.emulator", charset="UTF-8"',
      ]);
      expect(r.text).not.toContain(emu.seeds.registry.ci.password);
    }
  });

  it("follows the emulator clock", async () => {
    emu.clock.advance(3_600_000);
    const r = await tokenGet([], ci());
    expect((r.json as { issued_at: string }).issued_at).toBe("2030-01-01T01:00:00Z");
    expect(decodeJwt(tokenOf(r.json)).iat).toBe(T0_S + 3600);
  });
});

describe("POST /auth/token (OAuth2)", () => {
  it("password grant: {access_token, scope (granted), expires_in, issued_at}; refresh token only with access_type=offline", async () => {
    const plain = await passwordGrant();
    expect(plain.status).toBe(200);
    expect(plain.json).toEqual({
      access_token: expect.any(String),
      scope: "repository:team/app:pull,push",
      expires_in: 300,
      issued_at: "2030-01-01T00:00:00Z",
    });
    expect(decodeJwt(tokenOf(plain.json))).toMatchObject({
      sub: "ci",
      aud: SERVICE,
      access: [
        { type: "repository", name: "team/app", actions: ["pull", "push"] },
        { type: "repository", name: "other/repo", actions: [] },
      ],
    });
    const offline = await passwordGrant({ access_type: "offline" });
    expect(Object.keys(offline.json as object).sort()).toEqual([
      "access_token",
      "expires_in",
      "issued_at",
      "refresh_token",
      "scope",
    ]);
  });

  it("refresh_token grant: the same refresh token back, a new access token cut to the account; revoked → invalid_grant", async () => {
    const refreshToken = ((await passwordGrant({ access_type: "offline" })).json as { refresh_token: string })
      .refresh_token;
    const refresh = (scope: string) =>
      tokenPost({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        client_id: "pulumi-tokens",
        service: SERVICE,
        scope,
      });
    emu.clock.advance(60_000);
    const refreshed = await refresh("repository:team/app:pull repository:public/base:push");
    expect(refreshed.json).toEqual({
      access_token: expect.any(String),
      scope: "repository:team/app:pull",
      expires_in: 300,
      issued_at: "2030-01-01T00:01:00Z",
      refresh_token: refreshToken,
    });
    expect(decodeJwt(tokenOf(refreshed.json))).toMatchObject({ sub: "ci", iat: T0_S + 60 });

    expect(emu.registry.revokeRefreshTokens()).toBeGreaterThanOrEqual(1);
    const revoked = await refresh("repository:team/app:pull");
    expect([revoked.status, revoked.json]).toEqual([
      400,
      {
        error: "invalid_grant",
        error_description: "The resource owner or refresh token could not be verified.",
      },
    ]);
  });

  it("errors: 400 with the OAuth error and its exact description", async () => {
    const missing = (name: string) => `A required parameter was missing: ${name}.`;
    const cases: [Record<string, string>, string, string][] = [
      [{ grant_type: "" }, "invalid_request", missing("grant_type")],
      [{ service: "" }, "invalid_request", missing("service")],
      [{ client_id: "" }, "invalid_request", missing("client_id")],
      [{ username: "" }, "invalid_request", missing("username")],
      [{ password: "" }, "invalid_request", missing("password")],
      [{ grant_type: "refresh_token" }, "invalid_request", missing("refresh_token")],
      [
        { grant_type: "authorization_code" },
        "unsupported_grant_type",
        'The grant type "authorization_code" is not supported.',
      ],
      [{ scope: "repository:team/app" }, "invalid_scope", "The scope is malformed."],
      [{ password: "wrong" }, "invalid_grant", "The resource owner or refresh token could not be verified."],
      [
        { grant_type: "refresh_token", refresh_token: "unknown" },
        "invalid_grant",
        "The resource owner or refresh token could not be verified.",
      ],
    ];
    for (const [fields, error, description] of cases) {
      const r = await passwordGrant(fields);
      expect([fields, r.status, r.json]).toEqual([fields, 400, { error, error_description: description }]);
    }
    const json = await tokenPost({ grant_type: "password" }, "application/json");
    expect([json.status, json.json]).toEqual([
      400,
      { error: "invalid_request", error_description: "The body must be application/x-www-form-urlencoded." },
    ]);
  });
});

describe("modes", () => {
  it("defaults, and invalid values throw without changing anything", () => {
    expect(emu.registry.modes()).toEqual({
      answer: "distribution",
      tokenFormat: "jwt",
      oauth2: "on",
      tokenLifetimeSeconds: 300,
      service: SERVICE,
    });
    expect(() => emu.registry.setModes({ answer: "harbor" as never })).toThrow(
      "registry mode answer must be one of distribution, docker_auth, got harbor",
    );
    expect(() => emu.registry.setModes({ tokenLifetimeSeconds: 0 })).toThrow(
      "registry mode tokenLifetimeSeconds must be a positive integer, got 0",
    );
    expect(() => emu.registry.setModes({ service: 'a"b' })).toThrow(
      "registry mode service must be a non-empty printable string without quotes",
    );
    expect(emu.registry.modes().answer).toBe("distribution");
  });

  it("docker_auth: GET answers {token, access_token} only (no expires_in, no refresh token); POST 404", async () => {
    emu.registry.setModes({ answer: "docker_auth" });
    const r = await tokenGet(["repository:team/app:pull"], ci(), { service: SERVICE, offline_token: "true" });
    expect(r.status).toBe(200);
    const body = r.json as { token: string; access_token: string };
    expect(Object.keys(body).sort()).toEqual(["access_token", "token"]);
    expect(body.access_token).toBe(body.token);
    expect(decodeJwt(body.token).exp).toBe(T0_S + 300);
    const post = await passwordGrant();
    expect([post.status, post.json]).toEqual([
      404,
      { errors: [{ code: "NOT_FOUND", message: "not found" }] },
    ]);
  });

  it("oauth2 404 and 405: POST refused (405 with Allow: GET), GET still works", async () => {
    emu.registry.setModes({ oauth2: "404" });
    const notFound = await passwordGrant();
    expect([notFound.status, notFound.json]).toEqual([
      404,
      { errors: [{ code: "NOT_FOUND", message: "not found" }] },
    ]);
    emu.registry.setModes({ oauth2: "405" });
    const notAllowed = await passwordGrant();
    expect([notAllowed.status, notAllowed.json, notAllowed.headers.get("allow")]).toEqual([
      405,
      { errors: [{ code: "UNSUPPORTED", message: "method not allowed" }] },
      "GET",
    ]);
    expect((await tokenGet(["repository:team/app:pull"], ci())).status).toBe(200);
    expect(
      emu
        .requestsFor("registry")
        .slice(-3)
        .map((e) => `${e.method} ${e.route} ${e.status}`),
    ).toEqual(["POST registry.tokenPost 404", "POST registry.tokenPost 405", "GET registry.tokenGet 200"]);
  });

  it("opaque: a 48-character base62 token the emulator's /v2/ accepts until it expires; verifyToken tells what it holds", async () => {
    emu.registry.setModes({ tokenFormat: "opaque", tokenLifetimeSeconds: 120 });
    const r = await tokenGet(["repository:team/app:pull"], ci());
    const body = r.json as Record<string, unknown>;
    expect(body).toEqual({
      token: expect.stringMatching(/^[0-9A-Za-z]{48}$/),
      access_token: body.token,
      expires_in: 120,
      issued_at: "2030-01-01T00:00:00Z",
    });
    const token = String(body.token);
    await expect(emu.registry.verifyToken(token)).resolves.toEqual({
      sub: "ci",
      aud: SERVICE,
      iat: T0_S,
      exp: T0_S + 120,
      access: [{ type: "repository", name: "team/app", actions: ["pull"] }],
    });
    expect((await v2("", token)).status).toBe(200);
    expect((await v2("team/app/manifests/latest", token)).status).toBe(404);
    expect((await v2("team/app/manifests/latest", token, { method: "PUT" })).status).toBe(401);
    const posted = await passwordGrant();
    expect(tokenOf(posted.json)).toMatch(/^[0-9A-Za-z]{48}$/);
    emu.clock.advance(120_000);
    expect((await v2("", token)).status).toBe(401);
    await expect(emu.registry.verifyToken(token)).rejects.toThrow("unknown or expired opaque token");
  });

  it("tokenLifetimeSeconds and service: expires_in and exp follow; /v2/ challenges with and accepts the new service", async () => {
    emu.registry.setModes({ tokenLifetimeSeconds: 60, service: "registry.example" });
    const r = await tokenGet([], ci(), { service: "registry.example" });
    expect((r.json as { expires_in: number }).expires_in).toBe(60);
    expect(decodeJwt(tokenOf(r.json)).exp).toBe(T0_S + 60);
    expect((await v2("", tokenOf(r.json))).status).toBe(200);
    expect((await v2("")).headers.get("www-authenticate")).toBe(
      `Bearer realm="${emu.url}/auth/token",service="registry.example"`,
    );
  });
});

describe("faults on the registry routes", () => {
  it("status faults answer in each route's shape; drop resets the connection", async () => {
    emu.faults.inject("registry.tokenGet", { kind: "status", status: 503 });
    const get = await tokenGet([], ci());
    expect([get.status, get.json]).toEqual([
      503,
      { errors: [{ code: "UNAVAILABLE", message: "service unavailable" }] },
    ]);

    emu.faults.inject("registry.tokenPost", { kind: "status", status: 429, retryAfter: 2 });
    const post = await passwordGrant();
    expect([post.status, post.json, post.headers.get("retry-after")]).toEqual([
      429,
      { error: "invalid_request", error_description: "Too Many Requests" },
      "2",
    ]);
    emu.faults.inject("registry.tokenPost", { kind: "status", status: 500 });
    expect((await passwordGrant()).json).toEqual({
      error: "server_error",
      error_description: "Internal Server Error",
    });

    emu.faults.inject("registry.challenge", { kind: "drop" });
    await expect(v2("")).rejects.toThrow("fetch failed");
    expect((await v2("")).status).toBe(401);
  });
});
