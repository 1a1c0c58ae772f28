// registryProvider's methods called directly against the HTTPS emulator's generic token server.
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { presentedForm } from "../../src/core/stored-form.ts";
import { ApiResponseError, InvalidCredentialsError, InvalidResponseError } from "../../src/errors.ts";
import { STORED_FORM } from "../../src/registry/definition.ts";
import { registryProvider } from "../../src/registry/provider.ts";
import { useProviderEmulator } from "../harness/emulator.ts";
import { httpsCall } from "../harness/https.ts";
import { checked, ciInputs, REGISTRY_ENV, T0 } from "./helpers.ts";

const SECOND = 1000;
const at = (seconds: number) => new Date(T0.getTime() + seconds * SECOND);
const SERVICE = "registry.emulator";

const { emu, notices, setAt } = useProviderEmulator({
  tls: true,
  now: T0,
  env: REGISTRY_ENV,
  tuning: { retryBaseDelayMs: 1, timeoutMs: 2_000 },
});
beforeEach(() => emu.registry.resetModes());

const routes = () =>
  emu.requestsFor("registry").map((entry) => `${entry.method} ${entry.route} ${entry.status}`);
const presented = (outputs: Record<string, unknown> | undefined) => presentedForm(STORED_FORM, outputs ?? {});
const realm = () => `${emu.url}/auth/token`;
const host = () => new URL(emu.url).host;

async function create(news: Record<string, unknown>) {
  const inputs = await checked(news);
  const { id, outs } = await registryProvider.create(inputs);
  return { id, inputs, outs: presented(outs), stored: outs as Record<string, unknown> };
}

async function createFailure(news: Record<string, unknown>): Promise<unknown> {
  const inputs = await checked(news);
  return registryProvider.create(inputs).catch((caught: unknown) => caught);
}

/** A refresh token from the server's GET with `offline_token=true` (logged; the log is cleared). */
async function mintRefreshToken(): Promise<string> {
  const { ci } = emu.seeds.registry;
  const { json } = await httpsCall(
    `${emu.url}/auth/token?service=${SERVICE}&scope=repository:team/app:pull&offline_token=true&client_id=test`,
    {
      ca: emu.caCertificate,
      headers: { authorization: `Basic ${Buffer.from(`${ci.username}:${ci.password}`).toString("base64")}` },
    },
  );
  emu.clearRequests();
  return String((json as { refresh_token?: string }).refresh_token);
}

const shortLifetime =
  "the token lives 300 s, as long as the rotate-before window of 300 s, so every `pulumi up` fetches a new one " +
  '(lower "rotateBeforeSeconds" to keep it longer)';

describe("create, by grant", () => {
  it("auto with a user name and password: the challenge, then Basic GET; the token is for the challenge's service", async () => {
    const { id, outs, stored } = await create(ciInputs(emu));

    expect(routes()).toEqual(["GET registry.challenge 401", "GET registry.tokenGet 200"]);
    expect(id).toBe(`${host()}/repository:team/app:pull,push`);
    expect(outs).toMatchObject({
      realm: realm(),
      service: SERVICE,
      registry: host(),
      issuedAt: "2030-01-01T00:00:00.000Z",
      expiresAt: "2030-01-01T00:05:00.000Z",
      rotatesAt: "2030-01-01T00:00:00.000Z",
      rotateBeforeSeconds: 300,
      grantType: "auto",
      clientId: "pulumi-tokens",
      access: [{ type: "repository", name: "team/app", actions: ["pull", "push"] }],
    });
    // Stored compactly: the token and its docker config as one secret, no defaults, no rotatesAt.
    expect(stored.secrets).toEqual({ token: outs.token, dockerConfigJson: outs.dockerConfigJson });
    for (const key of [
      "token",
      "dockerConfigJson",
      "rotateBeforeSeconds",
      "grantType",
      "clientId",
      "rotatesAt",
    ])
      expect(stored).not.toHaveProperty(key);
    const claims = await emu.registry.verifyToken(String(outs.token));
    expect(claims).toMatchObject({ sub: "ci", aud: SERVICE });
    expect(JSON.parse(String(outs.dockerConfigJson))).toEqual({
      auths: { [host()]: { registrytoken: outs.token } },
    });
    expect(notices).toEqual([`pulumi-tokens: registry: ${shortLifetime}`]);
  });

  it("grantType password: the OAuth2 POST with client_id", async () => {
    const { outs } = await create({ ...ciInputs(emu), grantType: "password", rotateBeforeSeconds: 60 });

    expect(routes()).toEqual(["GET registry.challenge 401", "POST registry.tokenPost 200"]);
    await expect(emu.registry.verifyToken(String(outs.token))).resolves.toMatchObject({
      sub: "ci",
      aud: SERVICE,
    });
    expect(outs).toMatchObject({
      expiresAt: "2030-01-01T00:05:00.000Z",
      rotatesAt: "2030-01-01T00:04:00.000Z",
    });
    expect(notices).toEqual([]);
  });

  it.each(["404", "405"] as const)(
    "grantType password: POST answered %s falls back to Basic GET",
    async (status) => {
      emu.registry.setModes({ oauth2: status });
      const { outs } = await create({ ...ciInputs(emu), grantType: "password", rotateBeforeSeconds: 60 });

      expect(routes()).toEqual([
        "GET registry.challenge 401",
        `POST registry.tokenPost ${status}`,
        "GET registry.tokenGet 200",
      ]);
      await expect(emu.registry.verifyToken(String(outs.token))).resolves.toMatchObject({ sub: "ci" });
    },
  );

  it("a refresh token (auto): the OAuth2 refresh_token grant", async () => {
    const refreshToken = await mintRefreshToken();
    const { outs } = await create({
      registryUrl: emu.url,
      caCertificate: emu.caCertificate,
      scopes: ["repository:team/app:pull"],
      refreshToken,
      rotateBeforeSeconds: 60,
    });

    expect(routes()).toEqual(["GET registry.challenge 401", "POST registry.tokenPost 200"]);
    await expect(emu.registry.verifyToken(String(outs.token))).resolves.toMatchObject({ sub: "ci" });
    expect(outs.access).toEqual([{ type: "repository", name: "team/app", actions: ["pull"] }]);
  });

  it("a revoked refresh token is an InvalidCredentialsError naming where it came from", async () => {
    const refreshToken = await mintRefreshToken();
    emu.registry.revokeRefreshTokens();
    process.env.REGISTRY_REFRESH_TOKEN = refreshToken;
    const error = await createFailure({
      registryUrl: emu.url,
      caCertificate: emu.caCertificate,
      scopes: ["repository:team/app:pull"],
      grantType: "refresh_token",
    });

    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_CREDENTIALS",
      message:
        'registry: request registry token (OAuth2) failed: the API refused the credential "refreshToken" from the ' +
        "environment variable REGISTRY_REFRESH_TOKEN (HTTP 400); it was revoked, deleted or has expired, and nothing " +
        "was removed from the state. Set a valid one there and run the command again.",
    });
    expect(JSON.stringify(error)).not.toContain(refreshToken);
  });

  it("anonymous: GET with no Authorization; pull on a public repository", async () => {
    const { outs } = await create({
      registryUrl: emu.url,
      caCertificate: emu.caCertificate,
      scopes: ["repository:public/base:pull"],
    });

    expect(routes()).toEqual(["GET registry.challenge 401", "GET registry.tokenGet 200"]);
    await expect(emu.registry.verifyToken(String(outs.token))).resolves.toMatchObject({
      sub: "",
      aud: SERVICE,
    });
    expect(outs.access).toEqual([{ type: "repository", name: "public/base", actions: ["pull"] }]);
  });

  it("wrong Basic credentials are an InvalidCredentialsError, and the password is in no error text", async () => {
    const password = "wrong-password-123";
    const error = await createFailure({ ...ciInputs(emu), password });

    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_CREDENTIALS",
      message:
        'registry: request registry token failed: the API refused the credential "password" from the "password" input ' +
        "(HTTP 401); it was revoked, deleted or has expired, and nothing was removed from the state. Set a valid one " +
        "in the program and run `pulumi up` first: `pulumi refresh` and `pulumi destroy` use the inputs saved at the last `pulumi up`.",
    });
    expect(JSON.stringify(error)).not.toContain(password);
  });

  it("less access than asked: the token carries what the account may do, and the engine log says what is missing", async () => {
    const { reader } = emu.seeds.registry;
    const { outs } = await create({ ...ciInputs(emu), username: reader.username, password: reader.password });

    expect(outs.access).toEqual([{ type: "repository", name: "team/app", actions: ["pull"] }]);
    expect(notices).toContain(
      "pulumi-tokens: registry: the token server did not grant repository:team/app:push; it grants only what the account may do",
    );
  });

  it("a Harbor-style robot account (robot$ci) with Basic", async () => {
    const { robot } = emu.seeds.registry;
    const { outs } = await create({ ...ciInputs(emu), username: robot.username, password: robot.password });
    await expect(emu.registry.verifyToken(String(outs.token))).resolves.toMatchObject({ sub: "robot$ci" });
  });
});

describe("token shapes", () => {
  it("opaque tokens: expiry from expires_in, access is what was asked (not verified)", async () => {
    emu.registry.setModes({ tokenFormat: "opaque", tokenLifetimeSeconds: 900 });
    const { outs } = await create(ciInputs(emu));

    expect(String(outs.token)).toMatch(/^[0-9A-Za-z]{40,}$/);
    expect(outs).toMatchObject({
      issuedAt: "2030-01-01T00:00:00.000Z",
      expiresAt: "2030-01-01T00:15:00.000Z",
      rotatesAt: "2030-01-01T00:10:00.000Z",
      access: [{ type: "repository", name: "team/app", actions: ["pull", "push"] }],
    });
    await expect(emu.registry.verifyToken(String(outs.token))).resolves.toMatchObject({ sub: "ci" });
  });

  it("docker_auth's answer (no expires_in, no issued_at): expiry from the JWT's exp", async () => {
    emu.registry.setModes({ answer: "docker_auth", tokenLifetimeSeconds: 600 });
    setAt(at(0));
    const { outs } = await create({ ...ciInputs(emu), rotateBeforeSeconds: 60 });

    expect(outs).toMatchObject({
      issuedAt: "2030-01-01T00:00:00.000Z",
      expiresAt: "2030-01-01T00:10:00.000Z",
      rotatesAt: "2030-01-01T00:09:00.000Z",
    });
  });

  it("no expires_in and not a JWT: the protocol's default of 60 s", async () => {
    emu.registry.setModes({ answer: "docker_auth", tokenFormat: "opaque" });
    const { outs } = await create({ ...ciInputs(emu), rotateBeforeSeconds: 30 });

    expect(outs).toMatchObject({
      expiresAt: "2030-01-01T00:01:00.000Z",
      rotatesAt: "2030-01-01T00:00:30.000Z",
    });
  });

  it("an answer with neither token nor access_token is an InvalidResponseError", async () => {
    emu.faults.inject("registry.tokenGet", { kind: "status", status: 200, body: { expires_in: 60 } });
    const error = await createFailure(ciInputs(emu));

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_RESPONSE",
      message:
        "registry: request registry token returned an unexpected response: ✖ the answer has neither token nor access_token " +
        `(GET ${emu.url}/auth/token)`,
    });
  });
});

describe("the token server's address", () => {
  it("realm and service as inputs: no challenge is read", async () => {
    const { outs } = await create({
      realm: realm(),
      service: SERVICE,
      scopes: ["repository:team/app:pull"],
      username: "ci",
      password: emu.seeds.registry.ci.password,
      caCertificate: emu.caCertificate,
    });

    expect(routes()).toEqual(["GET registry.tokenGet 200"]);
    expect(outs).toMatchObject({ registry: host(), realm: realm(), service: SERVICE });
  });

  it("a service input overrides the challenge's (the token's aud follows it)", async () => {
    const { outs } = await create({ ...ciInputs(emu), service: "other.service" });
    await expect(emu.registry.verifyToken(String(outs.token))).resolves.toMatchObject({
      aud: "other.service",
    });
  });

  describe("a challenge naming a token server on another host", () => {
    let server: Server;
    let registryUrl = "";
    let challenge = "";
    beforeAll(async () => {
      // A registry on `localhost` whose challenge sends clients to the emulator on 127.0.0.1.
      server = createServer((_request, response) => {
        response.writeHead(401, { "www-authenticate": challenge }).end("{}");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      registryUrl = `http://localhost:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      challenge = `Bearer realm="${realm()}",service="${SERVICE}"`;
    });

    const inputs = () => ({ ...ciInputs(emu), registryUrl, allowInsecureHttp: true });

    it("is refused, and no request reaches it", async () => {
      const error = await createFailure(inputs());

      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error).toMatchObject({
        code: "ERR_INVALID_RESPONSE",
        message:
          "registry: read the registry's challenge returned an unexpected response: the challenge names the token " +
          `server ${realm()} on another host than the registry; no credential was sent to it. If you trust it, add ` +
          `"127.0.0.1" to "trustedRealmHosts" (or set "realm") (GET ${registryUrl}/v2/)`,
      });
      expect(emu.requests).toEqual([]);
    });

    it("is used when the user names its host in trustedRealmHosts", async () => {
      const { outs } = await create({ ...inputs(), trustedRealmHosts: ["127.0.0.1"] });
      expect(routes()).toEqual(["GET registry.tokenGet 200"]);
      expect(outs).toMatchObject({ registry: new URL(registryUrl).host, realm: realm() });
    });

    it("a Basic challenge alone names no token server", async () => {
      challenge = 'Basic realm="registry", charset="UTF-8"';
      const error = await createFailure(inputs());

      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error).toMatchObject({
        message:
          "registry: read the registry's challenge returned an unexpected response: the 401 has no Bearer challenge " +
          `with a realm (WWW-Authenticate: "Basic realm=\\"registry\\", charset=\\"UTF-8\\""); the registry does not ` +
          `use the token protocol (GET ${registryUrl}/v2/)`,
      });
    });

    it("a challenge with several schemes: the Bearer one is used, quoted escapes read", async () => {
      challenge = `Basic realm="x", Bearer service="${SERVICE}",realm="${realm()}",scope="a\\"b"`;
      const { outs } = await create({ ...inputs(), trustedRealmHosts: ["127.0.0.1"] });
      expect(outs).toMatchObject({ realm: realm(), service: SERVICE });
    });

    it("a challenge without service is an error naming the input to set", async () => {
      challenge = `Bearer realm="${realm()}"`;
      const error = await createFailure({ ...inputs(), trustedRealmHosts: ["127.0.0.1"] });
      expect(error).toMatchObject({
        code: "ERR_INVALID_RESPONSE",
        message:
          "registry: read the registry's challenge returned an unexpected response: the challenge names no service; " +
          `set "service" (the registry's auth.token.service) (GET ${registryUrl}/v2/)`,
      });
      expect(emu.requests).toEqual([]);
    });
  });
});

describe("a challenge naming a plain-http token server", () => {
  it("is refused without allowInsecureHttp, before any request to it", async () => {
    // An https registry on localhost whose challenge names an http realm on the same host.
    const { certificatePem, privateKeyPem } = await emu.issueCertificate({
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
    });
    const realmUrl = `http://localhost:${new URL(emu.url).port}/auth/token`;
    const server = createHttpsServer({ cert: certificatePem, key: privateKeyPem }, (_request, response) => {
      response
        .writeHead(401, { "www-authenticate": `Bearer realm="${realmUrl}",service="${SERVICE}"` })
        .end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const registryUrl = `https://localhost:${(server.address() as { port: number }).port}`;
    try {
      const error = await createFailure({ ...ciInputs(emu), registryUrl });

      expect(error).toBeInstanceOf(InvalidResponseError);
      expect(error).toMatchObject({
        code: "ERR_INVALID_RESPONSE",
        message:
          "registry: read the registry's challenge returned an unexpected response: the challenge names the token " +
          `server ${realmUrl}, which is not https; no credential was sent to it (plain http only with ` +
          `"allowInsecureHttp": true) (GET ${registryUrl}/v2/)`,
      });
      expect(emu.requests).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("faults", () => {
  it("a 503 and a reset connection on the GET are retried", async () => {
    emu.faults.inject("registry.tokenGet", { kind: "status", status: 503, retryAfter: 0 });
    emu.faults.inject("registry.tokenGet", { kind: "drop" });
    const { outs } = await create(ciInputs(emu));

    expect(routes()).toEqual([
      "GET registry.challenge 401",
      "GET registry.tokenGet 503",
      "GET registry.tokenGet 0",
      "GET registry.tokenGet 200",
    ]);
    await expect(emu.registry.verifyToken(String(outs.token))).resolves.toMatchObject({ sub: "ci" });
  });

  it("a 429 is waited out; the OAuth2 POST is retried after a 502", async () => {
    emu.faults.inject("registry.challenge", { kind: "status", status: 429, retryAfter: 0 });
    emu.faults.inject("registry.tokenPost", { kind: "status", status: 502 });
    await create({ ...ciInputs(emu), grantType: "password" });

    expect(routes()).toEqual([
      "GET registry.challenge 429",
      "GET registry.challenge 401",
      "POST registry.tokenPost 502",
      "POST registry.tokenPost 200",
    ]);
  });

  it("a token server failing every retry fails clean with the status", async () => {
    emu.faults.inject("registry.tokenGet", { kind: "status", status: 500 }, Infinity);
    const error = await createFailure(ciInputs(emu));

    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      code: "ERR_API_RESPONSE",
      status: 500,
      message: `registry: request registry token failed with HTTP 500: UNKNOWN: internal server error (GET ${emu.url}/auth/token)`,
    });
    expect(routes().filter((route) => route.startsWith("GET registry.tokenGet"))).toHaveLength(4);
  });

  it("a registry that asks for no token is an error telling to set realm and service", async () => {
    emu.faults.inject("registry.challenge", { kind: "status", status: 200, body: {} });
    const error = await createFailure(ciInputs(emu));

    expect(error).toMatchObject({
      code: "ERR_INVALID_RESPONSE",
      message:
        "registry: read the registry's challenge returned an unexpected response: the registry answered HTTP 200 " +
        `without a challenge, so it names no token server; set "realm" and "service" (GET ${emu.url}/v2/)`,
    });
  });
});

describe("rotation, refresh, delete", () => {
  it("plain diff before rotatesAt: no change and no call; after it: rotates in place with the stored realm", async () => {
    const { id, inputs, stored } = await create({ ...ciInputs(emu), rotateBeforeSeconds: 60 });
    emu.clearRequests();

    setAt(at(239));
    expect(await registryProvider.diff?.(id, stored, inputs)).toEqual({ changes: false });
    expect(emu.requests).toEqual([]);
    expect(notices).toEqual([]);

    setAt(at(240));
    expect(await registryProvider.diff?.(id, stored, inputs)).toEqual({ changes: true });
    const { outs } = (await registryProvider.update?.(id, stored, inputs)) ?? {};
    expect(routes()).toEqual(["GET registry.tokenGet 200"]);
    expect(presented(outs)).toMatchObject({
      realm: realm(),
      service: SERVICE,
      issuedAt: "2030-01-01T00:04:00.000Z",
      expiresAt: "2030-01-01T00:09:00.000Z",
    });
  });

  it("a token living no longer than the window: every diff rotates, and the engine log says why", async () => {
    const { id, inputs, stored } = await create(ciInputs(emu));
    notices.length = 0;
    setAt(at(1));

    expect(await registryProvider.diff?.(id, stored, inputs)).toEqual({ changes: true });
    expect(notices).toEqual([`pulumi-tokens: registry: ${id}: rotating: ${shortLifetime}`]);
  });

  it("discovered realm and service are not changes; a changed scope replaces", async () => {
    const { id, inputs, stored } = await create({ ...ciInputs(emu), rotateBeforeSeconds: 60 });
    expect(inputs).not.toHaveProperty("realm");
    expect(await registryProvider.diff?.(id, stored, inputs)).toEqual({ changes: false });
    expect(
      await registryProvider.diff?.(id, stored, { ...inputs, scopes: ["repository:team/app:pull"] }),
    ).toEqual({ changes: true, replaces: ["scopes"], deleteBeforeReplace: false });
    expect(await registryProvider.diff?.(id, stored, { ...inputs, service: "other" })).toEqual({
      changes: true,
      replaces: ["service"],
      deleteBeforeReplace: false,
    });
  });

  it("read decodes locally (no call); expired → gone", async () => {
    const { id, stored } = await create({ ...ciInputs(emu), rotateBeforeSeconds: 60 });
    emu.clearRequests();

    const live = await registryProvider.read?.(id, stored);
    expect(live?.id).toBe(id);
    expect(presented(live?.props)).toMatchObject({ realm: realm(), access: stored.access });
    setAt(at(300));
    expect(await registryProvider.read?.(id, stored)).toEqual({});
    expect(emu.requests).toEqual([]);
  });

  it("read of an opaque token: the stored expiry and access", async () => {
    emu.registry.setModes({ tokenFormat: "opaque" });
    const { id, stored } = await create({ ...ciInputs(emu), rotateBeforeSeconds: 60 });
    const live = await registryProvider.read?.(id, stored);
    expect(presented(live?.props)).toMatchObject({
      expiresAt: "2030-01-01T00:05:00.000Z",
      access: [{ type: "repository", name: "team/app", actions: ["pull", "push"] }],
    });
  });

  it("delete forgets the token with no call and says until when it works", async () => {
    const { id, stored } = await create({ ...ciInputs(emu), rotateBeforeSeconds: 60 });
    emu.clearRequests();
    notices.length = 0;

    await registryProvider.delete?.(id, stored);
    expect(emu.requests).toEqual([]);
    expect(notices).toEqual([
      "pulumi-tokens: registry: the token protocol has no revoke endpoint: the forgotten registry token stays valid until 2030-01-01T00:05:00.000Z",
    ]);
  });
});
