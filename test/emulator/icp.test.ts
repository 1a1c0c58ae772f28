import { X509Certificate } from "node:crypto";
import { decodeJwt, importJWK, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { call, epochSeconds, jwtHeader, postJson, T0 } from "./helpers.ts";

const UNAUTHORIZED = { errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] };

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ now: T0 });
});
afterAll(() => emu.close());

function identityForm(target: Emulator, fields: Record<string, string> = {}) {
  const body = new URLSearchParams({
    grant_type: "password",
    username: target.seeds.icp.username,
    password: target.seeds.icp.password,
    scope: "openid",
    ...fields,
  });
  return call(`${target.url}/idprovider/v1/auth/identitytoken`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" },
    body,
  });
}

async function idToken(target: Emulator): Promise<string> {
  const r = await identityForm(target);
  expect(r.status).toBe(200);
  return (r.json as { id_token: string }).id_token;
}

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

function registryToken(target: Emulator, query: string, headers: Record<string, string>) {
  return call(`${target.url}/image-manager/api/v1/auth/token${query}`, { headers });
}

describe("icp identity token", () => {
  it("form grant: 200 with OIDC fields and an RS256 ID token (iss, sub, aud, iat, exp = iat + 12 h)", async () => {
    const r = await identityForm(emu, { scope: "openid email profile" });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      access_token: expect.any(String),
      token_type: "Bearer",
      expires_in: 43_200,
      scope: "openid email profile",
      refresh_token: expect.any(String),
      id_token: expect.any(String),
    });
    const token = (r.json as { id_token: string }).id_token;
    expect(jwtHeader(token)).toEqual({ typ: "JWT", alg: "RS256" });
    const claims = decodeJwt(token);
    const now = epochSeconds(emu.clock.now());
    expect(claims).toMatchObject({
      iss: "https://mycluster.icp:9443/oidc/endpoint/OP",
      sub: emu.seeds.icp.username,
      aud: expect.any(String),
      iat: now,
      exp: now + 43_200,
    });
  });

  it("accepts the same fields as JSON", async () => {
    const r = await postJson(`${emu.url}/idprovider/v1/auth/identitytoken`, {
      grant_type: "password",
      username: emu.seeds.icp.username,
      password: emu.seeds.icp.password,
      scope: "openid",
    });
    expect(r.status).toBe(200);
    expect(r.json).toHaveProperty("id_token");
  });

  it("401 invalid_grant for bad credentials, 400 for a bad grant type or missing fields", async () => {
    const bad = await identityForm(emu, { password: "wrong" });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({
      error: "invalid_grant",
      error_description: "The resource owner could not be verified.",
    });

    const grant = await identityForm(emu, { grant_type: "client_credentials" });
    expect(grant.status).toBe(400);
    expect(grant.json).toEqual({
      error: "unsupported_grant_type",
      error_description: 'The grant type "client_credentials" is not supported.',
    });

    const missing = await identityForm(emu, { username: "" });
    expect(missing.status).toBe(400);
    expect((missing.json as { error: string }).error).toBe("invalid_request");
  });

  it("no id_token without the openid scope", async () => {
    const r = await identityForm(emu, { scope: "profile" });
    expect(r.status).toBe(200);
    expect(r.json).not.toHaveProperty("id_token");
  });
});

describe("icp registry token", () => {
  it("Bearer ID token, no scope: 200 {expires_in, issued_at, token}; claims and libtrust kid", async () => {
    const r = await registryToken(emu, "", { authorization: `Bearer ${await idToken(emu)}` });
    expect(r.status).toBe(200);
    const body = r.json as { expires_in: number; issued_at: string; token: string };
    expect(Object.keys(body).sort()).toEqual(["expires_in", "issued_at", "token"]);
    expect(body.expires_in).toBe(1800);
    expect(body.issued_at).toBe("2030-01-01T00:00:00Z");
    const header = jwtHeader(body.token);
    expect(header).toMatchObject({ typ: "JWT", alg: "RS256" });
    expect(header.kid).toMatch(/^[A-Z2-7]{4}(:[A-Z2-7]{4}){11}$/);
    const claims = decodeJwt(body.token);
    expect(claims).toEqual({
      iss: "registry-token-issuer",
      sub: emu.seeds.icp.username,
      aud: "",
      exp: epochSeconds(new Date(T0)) + 1800,
      nbf: epochSeconds(new Date(T0)),
      iat: epochSeconds(new Date(T0)),
      jti: expect.any(String),
      access: null,
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(1800);
    await expect(emu.icp.verifyRegistryToken(body.token)).resolves.toMatchObject({
      sub: emu.seeds.icp.username,
    });
  });

  it("Basic credentials; access = requested ∩ ACL, host:port names parsed intact, scopes merged", async () => {
    const { username, password } = emu.seeds.icp;
    const scopes = [
      "repository:ns/app:pull,push,delete",
      "repository:mycluster.icp:8500/ns/app:pull",
      "repository:other/repo:pull",
      "registry:catalog:* repository(plugin):ns/app:pull",
      "repository:ns/app:push",
    ];
    const query = `?service=token-service&${scopes.map((s) => `scope=${encodeURIComponent(s)}`).join("&")}`;
    const r = await registryToken(emu, query, basic(username, password));
    expect(r.status).toBe(200);
    const claims = decodeJwt((r.json as { token: string }).token);
    expect(claims.aud).toBe("token-service");
    expect(claims.access).toEqual([
      { type: "repository", name: "ns/app", actions: ["pull", "push"] },
      { type: "repository", name: "mycluster.icp:8500/ns/app", actions: [] },
      { type: "repository", name: "other/repo", actions: [] },
      { type: "registry", name: "catalog", actions: [] },
      { type: "repository", class: "plugin", name: "ns/app", actions: ["pull"] },
    ]);
    expect(decodeJwt((r.json as { token: string }).token).jti).not.toBe(
      decodeJwt(
        ((await registryToken(emu, query, basic(username, password))).json as { token: string }).token,
      ).jti,
    );
  });

  it("400 for a malformed scope", async () => {
    const r = await registryToken(
      emu,
      "?scope=repository:ns/app",
      basic(emu.seeds.icp.username, emu.seeds.icp.password),
    );
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ errors: [{ code: "UNSUPPORTED", message: "invalid scope" }] });
  });

  it("401 without credentials, with bad Basic credentials or a tampered/foreign ID token", async () => {
    const token = await idToken(emu);
    const other = await startEmulator({ now: T0 });
    const foreign = await idToken(other);
    await other.close();
    for (const headers of [
      {},
      basic(emu.seeds.icp.username, "wrong"),
      { authorization: `Bearer ${token.slice(0, -3)}xyz` },
      { authorization: `Bearer ${foreign}` },
      { authorization: "Bearer garbage" },
      { authorization: `Token ${token}` },
    ]) {
      const r = await registryToken(emu, "", headers);
      expect(r.status).toBe(401);
      expect(r.json).toEqual(UNAUTHORIZED);
      expect(r.headers.get("www-authenticate")).toBe('Basic realm="image-manager", charset="UTF-8"');
    }
  });

  it("expired ID token → 401; a registry token stops verifying after 30 min of emulator time", async () => {
    const local = await startEmulator({ now: T0 });
    try {
      const token = await idToken(local);
      const r = await registryToken(local, "", { authorization: `Bearer ${token}` });
      const registry = (r.json as { token: string }).token;
      local.clock.advance(1801_000);
      await expect(local.icp.verifyRegistryToken(registry)).rejects.toThrow();
      local.clock.advance(12 * 3600_000);
      const expired = await registryToken(local, "", { authorization: `Bearer ${token}` });
      expect(expired.status).toBe(401);
      expect(expired.json).toEqual(UNAUTHORIZED);
    } finally {
      await local.close();
    }
  });
});

describe("icp token server, as a registry sees it", () => {
  const form = (target: Emulator, fields: Record<string, string>) =>
    call(`${target.url}/image-manager/api/v1/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields),
    });
  const passwordGrant = (target: Emulator, extra: Record<string, string> = {}) =>
    form(target, {
      grant_type: "password",
      service: "token-service",
      client_id: "crane",
      username: target.seeds.icp.username,
      password: target.seeds.icp.password,
      scope: "repository:ns/app:pull repository:other/repo:pull",
      ...extra,
    });

  it("publishes the signing key: JWKS under the tokens' kid, and a self-signed certificate of the same key", async () => {
    const key = emu.icp.registrySigningKey();
    const r = await registryToken(
      emu,
      "?service=token-service",
      basic(emu.seeds.icp.username, emu.seeds.icp.password),
    );
    const token = (r.json as { token: string }).token;
    expect(jwtHeader(token).kid).toBe(key.kid);
    expect(key.jwks.keys).toHaveLength(1);
    const [jwk] = key.jwks.keys;
    expect(jwk).toMatchObject({ kty: "RSA", kid: key.kid, use: "sig", alg: "RS256", e: "AQAB" });
    expect(jwk).not.toHaveProperty("d");
    const { payload } = await jwtVerify(token, await importJWK(jwk as never, "RS256"), {
      currentDate: new Date(T0),
      issuer: "registry-token-issuer",
      audience: "token-service",
    });
    expect(payload.sub).toBe(emu.seeds.icp.username);
    const certificate = new X509Certificate(key.certificatePem);
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.publicKey.export({ format: "jwk" })).toMatchObject({ n: (jwk as { n: string }).n });
  });

  it("aud is exactly the requested service, with or without a scope", async () => {
    const credentials = basic(emu.seeds.icp.username, emu.seeds.icp.password);
    for (const [query, aud, access] of [
      ["?service=my-registry", "my-registry", null],
      [
        "?service=other&scope=repository:ns/app:pull",
        "other",
        [{ type: "repository", name: "ns/app", actions: ["pull"] }],
      ],
      ["", "", null],
    ] as const) {
      const r = await registryToken(emu, query, credentials);
      expect(r.status).toBe(200);
      expect(decodeJwt((r.json as { token: string }).token)).toMatchObject({ aud, access });
    }
  });

  it("GET with offline_token=true also returns a refresh token that works with grant_type=refresh_token", async () => {
    const r = await registryToken(
      emu,
      "?service=token-service&offline_token=true&client_id=test",
      basic(emu.seeds.icp.username, emu.seeds.icp.password),
    );
    expect(Object.keys(r.json as object).sort()).toEqual([
      "expires_in",
      "issued_at",
      "refresh_token",
      "token",
    ]);
    const refreshToken = (r.json as { refresh_token: string }).refresh_token;
    const refreshed = await form(emu, {
      grant_type: "refresh_token",
      service: "token-service",
      client_id: "test",
      refresh_token: refreshToken,
    });
    expect(refreshed.status).toBe(200);
    expect((refreshed.json as { refresh_token: string }).refresh_token).toBe(refreshToken);
  });

  it("OAuth2 POST, password grant: access_token, scope, expires_in, issued_at; a refresh token only with access_type=offline", async () => {
    const plain = await passwordGrant(emu);
    expect(plain.status).toBe(200);
    expect(plain.json).toEqual({
      access_token: expect.any(String),
      scope: "repository:ns/app:pull repository:other/repo:pull",
      expires_in: 1800,
      issued_at: "2030-01-01T00:00:00Z",
    });
    expect(decodeJwt((plain.json as { access_token: string }).access_token)).toMatchObject({
      aud: "token-service",
      sub: emu.seeds.icp.username,
      access: [
        { type: "repository", name: "ns/app", actions: ["pull"] },
        { type: "repository", name: "other/repo", actions: [] },
      ],
    });

    const offline = await passwordGrant(emu, { access_type: "offline" });
    const refreshToken = (offline.json as { refresh_token: string }).refresh_token;
    expect(refreshToken).toMatch(/^[0-9A-Za-z]{32}$/);
    const refreshed = await form(emu, {
      grant_type: "refresh_token",
      service: "token-service",
      client_id: "crane",
      refresh_token: refreshToken,
      scope: "repository:ns/app:push",
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json).toMatchObject({ refresh_token: refreshToken, scope: "repository:ns/app:push" });
    expect(decodeJwt((refreshed.json as { access_token: string }).access_token).access).toEqual([
      { type: "repository", name: "ns/app", actions: ["push"] },
    ]);
  });

  it("OAuth2 POST errors: 400 invalid_request / unsupported_grant_type / invalid_scope / invalid_grant", async () => {
    const cases: [Record<string, string>, number, string, string][] = [
      [{ service: "" }, 400, "invalid_request", "A required parameter was missing: service."],
      [{ client_id: "" }, 400, "invalid_request", "A required parameter was missing: client_id."],
      [
        { grant_type: "authorization_code" },
        400,
        "unsupported_grant_type",
        'The grant type "authorization_code" is not supported.',
      ],
      [{ scope: "repository:ns/app" }, 400, "invalid_scope", "The scope is malformed."],
      [
        { password: "wrong" },
        400,
        "invalid_grant",
        "The resource owner or refresh token could not be verified.",
      ],
      [
        { grant_type: "refresh_token", refresh_token: "unknown" },
        400,
        "invalid_grant",
        "The resource owner or refresh token could not be verified.",
      ],
    ];
    for (const [fields, status, error, description] of cases) {
      const r = await passwordGrant(emu, fields);
      expect([fields, r.status, r.json]).toEqual([fields, status, { error, error_description: description }]);
    }
  });

  it("with OAuth2 off, POST answers 404 (clients fall back to GET) and GET still works", async () => {
    const local = await startEmulator({ now: T0 });
    try {
      local.icp.setOAuth2(false);
      const r = await passwordGrant(local);
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ errors: [{ code: "NOT_FOUND", message: "not found" }] });
      const get = await registryToken(
        local,
        "?service=token-service",
        basic(local.seeds.icp.username, local.seeds.icp.password),
      );
      expect(get.status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it("with tls, issues server certificates from the emulator's CA; without tls it refuses", async () => {
    const secure = await startEmulator({ now: T0, tls: true });
    try {
      const issued = await secure.issueCertificate({ dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
      const certificate = new X509Certificate(issued.certificatePem);
      expect(certificate.verify(new X509Certificate(secure.caCertificate ?? "").publicKey)).toBe(true);
      expect(certificate.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    } finally {
      await secure.close();
    }
    await expect(emu.issueCertificate({ dnsNames: ["localhost"], ipAddresses: [] })).rejects.toThrow(
      "issueCertificate needs an emulator started with tls: true",
    );
  });
});
