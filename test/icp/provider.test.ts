// icpProvider's methods called directly against the HTTPS emulator.
import { describe, expect, it } from "vitest";
import { generateCertificateAuthority } from "../../src/emulator/index.ts";
import { ApiResponseError, InvalidResponseError, TlsVerificationError } from "../../src/errors.ts";
import { icpProvider } from "../../src/icp/provider.ts";
import { REGISTRY_TOKEN } from "../../src/icp/definition.ts";
import { presentedForm } from "../../src/core/stored-form.ts";
import { setNow, useProviderEmulator } from "../harness/emulator.ts";
import {
  checked,
  configure,
  ICP_ENV,
  mintIdToken,
  parseDockerConfig,
  passwordInputs,
  T0,
} from "./helpers.ts";

const MINUTE = 60_000;
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);

const { emu, notices } = useProviderEmulator({ tls: true, now: T0, env: ICP_ENV });

const routes = () => emu.requestsFor("icp").map((entry) => `${entry.method} ${entry.route} ${entry.status}`);

/** Outputs as a program sees them: the default window and `rotatesAt` put back. */
const presented = (outputs: Record<string, unknown> | undefined) =>
  presentedForm(REGISTRY_TOKEN.storedForm, outputs ?? {});

/** check + create; `outs` as presented, `stored` as the engine stores them. */
async function create(news: Record<string, unknown>) {
  const inputs = await checked(news);
  const { id, outs } = await icpProvider.create(inputs);
  return { id, inputs, outs: presented(outs), stored: outs as Record<string, unknown> };
}

/** check + create where create is expected to throw: what it threw. */
async function createFailure(news: Record<string, unknown>): Promise<unknown> {
  const inputs = await checked(news);
  return icpProvider.create(inputs).catch((caught: unknown) => caught);
}

describe("create", () => {
  it("with username and password: an ID token, then the registry token, over HTTPS with the cluster CA", async () => {
    const { id, outs, stored } = await create(passwordInputs(emu));

    expect(routes()).toEqual(["POST icp.identityToken 200", "GET icp.registryToken 200"]);
    expect(id).toBe("127.0.0.1:8500/*");
    // Stored: the token and its dockerconfigjson as one (secret) value, no default window, no rotatesAt.
    expect(stored.secrets).toEqual({ token: outs.token, dockerConfigJson: outs.dockerConfigJson });
    for (const key of ["token", "dockerConfigJson", "rotateBeforeMinutes", "rotatesAt"])
      expect(stored).not.toHaveProperty(key);
    expect(outs).toMatchObject({
      registry: "127.0.0.1:8500",
      issuedAt: "2030-01-01T00:00:00.000Z",
      expiresAt: "2030-01-01T00:30:00.000Z",
      rotatesAt: "2030-01-01T00:25:00.000Z",
      rotateBeforeMinutes: 5,
      access: [],
    });
    const token = String(outs.token);
    const claims = await emu.icp.verifyRegistryToken(token);
    // service=token-service even without a scope: a registry refuses any other audience.
    expect(claims).toMatchObject({ sub: "admin", aud: "token-service", access: null });
    expect(outs.service).toBe("token-service");
    expect(stored).not.toHaveProperty("service");
    expect(parseDockerConfig(outs.dockerConfigJson)).toEqual({
      auths: { "127.0.0.1:8500": { registrytoken: token } },
    });
    expect(notices).toEqual([]);
  });

  it("with a scope: asks token-service for it and reports the granted access", async () => {
    const { id, outs } = await create({ ...passwordInputs(emu), scope: "repository:ns/app:pull,push" });

    expect(id).toBe("127.0.0.1:8500/repository:ns/app:pull,push");
    const claims = await emu.icp.verifyRegistryToken(String(outs.token));
    expect(claims).toMatchObject({ aud: "token-service" });
    expect(outs.access).toEqual([{ type: "repository", name: "ns/app", actions: ["pull", "push"] }]);
    expect(notices).toEqual([]);
  });

  it("a scope the user lacks is no error: the access is narrower and the engine log says so", async () => {
    const scope = "repository:ns/app:pull repository:mycluster.icp:8500/ns/app:pull";
    const { outs } = await create({ ...passwordInputs(emu), scope });

    expect(outs.access).toEqual([
      { type: "repository", name: "ns/app", actions: ["pull"] },
      { type: "repository", name: "mycluster.icp:8500/ns/app", actions: [] },
    ]);
    expect(notices).toEqual([
      "pulumi-tokens: icp: the cluster did not grant repository:mycluster.icp:8500/ns/app:pull; it grants only what the user may do",
    ]);
  });

  it("another service: sent with and without a scope, and it becomes the token's aud", async () => {
    for (const scope of [undefined, "repository:ns/app:pull"]) {
      const { outs, stored } = await create({ ...passwordInputs(emu), service: "my-registry", scope });
      const claims = await emu.icp.verifyRegistryToken(String(outs.token));
      expect(claims.aud).toBe("my-registry");
      expect(stored.service).toBe("my-registry");
    }
  });

  it("with idToken only: the registry token call alone, as the ID token's sub", async () => {
    const idToken = await mintIdToken(emu);
    emu.clearRequests();
    const { outs } = await create({ clusterUrl: emu.url, idToken, caCertificate: emu.caCertificate });

    expect(routes()).toEqual(["GET icp.registryToken 200"]);
    const token = String(outs.token);
    await expect(emu.icp.verifyRegistryToken(token)).resolves.toMatchObject({ sub: "admin" });
    expect(parseDockerConfig(outs.dockerConfigJson).auths["127.0.0.1:8500"]).toEqual({
      registrytoken: token,
    });
  });

  it("an explicit registry names the dockerconfigjson entry and the id", async () => {
    const { id, outs } = await create({ ...passwordInputs(emu), registry: "mycluster.icp:8500" });

    expect(id).toBe("mycluster.icp:8500/*");
    expect(Object.keys(parseDockerConfig(outs.dockerConfigJson).auths)).toEqual(["mycluster.icp:8500"]);
  });
});

describe("token answers other than the emulator's default", () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsignedJwt = (claims: Record<string, unknown>) =>
    `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}.c2ln`;
  const iat = T0.getTime() / 1000;

  it("takes the expiry from the JWT, and warns when tokens live no longer than the window", async () => {
    const token = unsignedJwt({ iss: "registry-token-issuer", iat, nbf: iat, exp: iat + 240, access: null });
    emu.faults.inject("icp.registryToken", {
      kind: "status",
      status: 200,
      body: { access_token: token, expires_in: 240, issued_at: "2030-01-01T00:00:00Z" },
    });
    const { outs } = await create(passwordInputs(emu));

    expect(presented(outs)).toMatchObject({
      token,
      issuedAt: "2030-01-01T00:00:00.000Z",
      expiresAt: "2030-01-01T00:04:00.000Z",
      rotatesAt: "2029-12-31T23:59:00.000Z",
    });
    expect(notices).toEqual([
      'pulumi-tokens: icp: registry tokens of this cluster live 4 min, not more than "rotateBeforeMinutes" (5): ' +
        'every "pulumi up" will fetch a new one',
    ]);
  });

  it("without exp or issued_at: iat + expires_in", async () => {
    const token = unsignedJwt({ iss: "registry-token-issuer", iat: iat - 60, access: null });
    emu.faults.inject("icp.registryToken", { kind: "status", status: 200, body: { token, expires_in: 900 } });
    const { outs } = await create(passwordInputs(emu));

    expect(outs).toMatchObject({
      issuedAt: "2029-12-31T23:59:00.000Z",
      expiresAt: "2030-01-01T00:14:00.000Z",
    });
  });
});

describe("TLS", () => {
  const tlsMessage = (code: string) =>
    `icp: request ID token failed: the server certificate of ${emu.url}/idprovider/v1/auth/identitytoken ` +
    `could not be verified (${code}); set "caCertificate" to the PEM of the CA that signed it`;

  /** create with `caCertificate` fails certificate verification before any request is logged. */
  async function expectUnverified(caCertificate: string | undefined): Promise<void> {
    const error = await createFailure({ ...passwordInputs(emu), caCertificate });

    expect(error).toBeInstanceOf(TlsVerificationError);
    expect(error).toMatchObject({
      code: "ERR_TLS_VERIFICATION",
      message: tlsMessage("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
    });
    expect(emu.requestsFor("icp")).toEqual([]);
  }

  it("a self-signed cluster without caCertificate fails with a message naming caCertificate", async () => {
    await expectUnverified(undefined);
  });

  it("a wrong CA fails the same way", async () => {
    const wrong = await generateCertificateAuthority();
    await expectUnverified(wrong.certificatePem);
  });

  it("insecureSkipTlsVerify works without a CA and warns in the engine log on every use", async () => {
    const news = { ...passwordInputs(emu), caCertificate: undefined, insecureSkipTlsVerify: true };
    const { outs, inputs } = await create(news);
    await expect(emu.icp.verifyRegistryToken(String(outs.token))).resolves.toMatchObject({ sub: "admin" });

    setNow(emu, at(25));
    await icpProvider.update?.("id", outs, inputs);

    const warning =
      `pulumi-tokens: icp: WARNING: "insecureSkipTlsVerify" is set: the TLS certificate of ${emu.url} is NOT verified; ` +
      'set "caCertificate" to the cluster CA instead';
    expect(notices).toEqual([warning, warning]);
  });

  it("takes the CA from ICP_CA_CERT when there is no input", async () => {
    process.env.ICP_CA_CERT = emu.caCertificate;
    const { outs } = await create({ ...passwordInputs(emu), caCertificate: undefined });

    await expect(emu.icp.verifyRegistryToken(String(outs.token))).resolves.toMatchObject({ sub: "admin" });
  });
});

describe("the rotation model", () => {
  it("diff before rotatesAt: no change and no call; at rotatesAt: an in-place update", async () => {
    const { outs, inputs } = await create(passwordInputs(emu));
    emu.clearRequests();

    setNow(emu, at(24));
    await expect(icpProvider.diff?.("id", outs, inputs)).resolves.toEqual({ changes: false });
    setNow(emu, at(25));
    await expect(icpProvider.diff?.("id", outs, inputs)).resolves.toEqual({ changes: true });
    expect(emu.requestsFor("icp")).toEqual([]);
  });

  it("update when due fetches a new token; the id stays", async () => {
    const { id, outs, inputs } = await create(passwordInputs(emu));
    emu.clearRequests();
    setNow(emu, at(26));

    const stored = (await icpProvider.update?.(id, outs, inputs))?.outs as Record<string, unknown>;
    const updated = presented(stored);

    expect(routes()).toEqual(["POST icp.identityToken 200", "GET icp.registryToken 200"]);
    expect(updated.token).not.toBe(outs.token);
    expect(updated).toMatchObject({
      issuedAt: "2030-01-01T00:26:00.000Z",
      expiresAt: "2030-01-01T00:56:00.000Z",
      rotatesAt: "2030-01-01T00:51:00.000Z",
    });
    await expect(emu.icp.verifyRegistryToken(String(updated.token))).resolves.toMatchObject({ sub: "admin" });
    expect(parseDockerConfig(updated.dockerConfigJson).auths["127.0.0.1:8500"]?.registrytoken).toBe(
      updated.token,
    );
    await expect(icpProvider.diff?.(id, stored, inputs)).resolves.toEqual({ changes: false });
  });

  it("a new password is a plain update: no call, same token", async () => {
    const { outs, inputs } = await create(passwordInputs(emu));
    emu.clearRequests();
    const news = { ...inputs, password: "a-new-password" };

    await expect(icpProvider.diff?.("id", outs, news)).resolves.toEqual({ changes: true });
    const updated = (await icpProvider.update?.("id", outs, news))?.outs as Record<string, unknown>;

    expect(emu.requestsFor("icp")).toEqual([]);
    expect(presented(updated)).toMatchObject({
      token: outs.token,
      password: "a-new-password",
      expiresAt: outs.expiresAt,
    });
  });

  it("a new rotateBeforeMinutes moves rotatesAt without a call", async () => {
    const { outs, inputs } = await create(passwordInputs(emu));
    emu.clearRequests();
    const updated = (await icpProvider.update?.("id", outs, { ...inputs, rotateBeforeMinutes: 10 }))?.outs;

    expect(emu.requestsFor("icp")).toEqual([]);
    expect(presented(updated)).toMatchObject({ token: outs.token, rotatesAt: "2030-01-01T00:20:00.000Z" });
  });

  it.each([
    ["scope", "repository:ns/app:pull"],
    ["registry", "mycluster.icp:8500"],
    ["username", "someone-else"],
    ["clusterUrl", "https://mycluster.icp:8443"],
  ])("a new %s replaces the token", async (key, value) => {
    const { outs, inputs } = await create(passwordInputs(emu));
    emu.clearRequests();

    const diff = await icpProvider.diff?.("id", outs, { ...inputs, [key]: value });

    expect(diff).toEqual({ changes: true, replaces: [key], deleteBeforeReplace: false });
    expect(emu.requestsFor("icp")).toEqual([]);
  });

  it("a new rotationTrigger fetches a new token before it is due", async () => {
    const { outs, inputs } = await create(passwordInputs(emu));
    emu.clearRequests();
    const news = { ...inputs, rotationTrigger: "2" };

    await expect(icpProvider.diff?.("id", outs, news)).resolves.toEqual({ changes: true });
    const updated = (await icpProvider.update?.("id", outs, news))?.outs as Record<string, unknown>;

    expect(routes()).toEqual(["POST icp.identityToken 200", "GET icp.registryToken 200"]);
    expect(updated.token).not.toBe(outs.token);
  });
});

describe("read and delete call nothing", () => {
  it("read before expiry keeps the state", async () => {
    const { id, stored } = await create({ ...passwordInputs(emu), scope: "repository:ns/app:pull" });
    emu.clearRequests();
    setNow(emu, at(29));

    const read = await icpProvider.read?.(id, stored);

    expect(read).toEqual({ id, props: stored });
    expect(emu.requestsFor("icp")).toEqual([]);
  });

  it("state of 0.1.x (no service, username/password docker config): no diff, and read rebuilds the config", async () => {
    const { id, inputs, stored } = await create(passwordInputs(emu));
    const token = (stored.secrets as { token: string }).token;
    const legacyConfig = JSON.stringify({
      auths: { "127.0.0.1:8500": { username: "admin", password: token, auth: "eA==" } },
    });
    const legacy = { ...stored, secrets: { token, dockerConfigJson: legacyConfig } };
    emu.clearRequests();

    await expect(icpProvider.diff?.(id, legacy, inputs)).resolves.toEqual({ changes: false });
    const read = await icpProvider.read?.(id, legacy);

    expect((read?.props as { secrets: unknown }).secrets).toEqual({
      token,
      dockerConfigJson: JSON.stringify({ auths: { "127.0.0.1:8500": { registrytoken: token } } }),
    });
    expect(emu.requestsFor("icp")).toEqual([]);
  });

  it("read once expired: gone (so `up --refresh` creates it again)", async () => {
    const { id, outs } = await create(passwordInputs(emu));
    emu.clearRequests();
    setNow(emu, at(30));

    await expect(icpProvider.read?.(id, outs)).resolves.toEqual({});
    expect(emu.requestsFor("icp")).toEqual([]);
  });

  it("read of state without a readable token: gone", async () => {
    const { id, outs } = await create(passwordInputs(emu));

    await expect(icpProvider.read?.(id, { ...outs, token: "not-a-jwt" })).resolves.toEqual({});
  });

  it("delete only forgets (there is no revoke endpoint) and says until when the token works", async () => {
    const { id, outs } = await create(passwordInputs(emu));
    emu.clearRequests();

    await icpProvider.delete?.(id, outs);
    await expect(emu.icp.verifyRegistryToken(String(outs.token))).resolves.toMatchObject({ sub: "admin" });
    setNow(emu, at(30));
    await icpProvider.delete?.(id, outs);

    expect(emu.requestsFor("icp")).toEqual([]);
    expect(notices).toEqual([
      "pulumi-tokens: icp: ICP has no revoke endpoint: the forgotten registry JWT stays valid until 2030-01-01T00:30:00.000Z",
    ]);
  });
});

describe("settings from stack config and environment", () => {
  it("stack config supplies cluster, credentials and CA; check stores the resolved cluster and registry", async () => {
    await configure({
      "icp:clusterUrl": `${emu.url}/`,
      "icp:username": emu.seeds.icp.username,
      "icp:password": emu.seeds.icp.password,
      "icp:caCertificate": String(emu.caCertificate),
    });
    const inputs = await checked({});

    expect(inputs).toEqual({ clusterUrl: emu.url, registry: "127.0.0.1:8500" });
    const outs = presented((await icpProvider.create(inputs)).outs);
    expect(routes()).toEqual(["POST icp.identityToken 200", "GET icp.registryToken 200"]);
    expect(parseDockerConfig(outs.dockerConfigJson).auths["127.0.0.1:8500"]?.registrytoken).toBe(outs.token);
  });

  it("the environment supplies an idToken and the cluster; inputs win over config", async () => {
    await configure({ "icp:clusterUrl": "https://elsewhere.invalid:8443" });
    process.env.ICP_ID_TOKEN = await mintIdToken(emu);
    emu.clearRequests();

    const { outs } = await create({ clusterUrl: emu.url, caCertificate: emu.caCertificate });

    expect(routes()).toEqual(["GET icp.registryToken 200"]);
    await expect(emu.icp.verifyRegistryToken(String(outs.token))).resolves.toMatchObject({ sub: "admin" });
  });
});

describe("API failures", () => {
  it("a wrong password: the API's 401, without the password anywhere in the error", async () => {
    const error = await createFailure({ ...passwordInputs(emu), password: "wrong-password-123" });

    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      code: "ERR_API_RESPONSE",
      status: 401,
      message:
        "icp: request ID token failed with HTTP 401: invalid_grant: The resource owner could not be verified. " +
        `(POST ${emu.url}/idprovider/v1/auth/identitytoken)`,
    });
    expect(JSON.stringify(error)).not.toContain("wrong-password-123");
    expect(String((error as Error).cause ?? "")).not.toContain("wrong-password-123");
  });

  it("an expired idToken: the registry token endpoint's 401", async () => {
    const idToken = await mintIdToken(emu);
    setNow(emu, at(13 * 60));
    const error = await createFailure({ clusterUrl: emu.url, idToken, caCertificate: emu.caCertificate });

    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      code: "ERR_API_RESPONSE",
      message:
        "icp: request registry token failed with HTTP 401: UNAUTHORIZED: authentication required " +
        `(GET ${emu.url}/image-manager/api/v1/auth/token)`,
    });
    expect(JSON.stringify(error)).not.toContain(idToken);
  });

  it("the ID token request is idempotent: a 503 and a lost answer are retried", async () => {
    emu.faults.inject("icp.identityToken", { kind: "status", status: 503, retryAfter: 0 });
    emu.faults.inject("icp.identityToken", { kind: "drop-after" });
    const { outs } = await create(passwordInputs(emu));

    expect(routes()).toEqual([
      "POST icp.identityToken 503",
      "POST icp.identityToken 0",
      "POST icp.identityToken 200",
      "GET icp.registryToken 200",
    ]);
    await expect(emu.icp.verifyRegistryToken(String(outs.token))).resolves.toMatchObject({ sub: "admin" });
  });

  it("a token answer that is not a JWT is an InvalidResponseError", async () => {
    emu.faults.inject("icp.registryToken", {
      kind: "status",
      status: 200,
      body: { token: "opaque", expires_in: 1800 },
    });
    const error = await createFailure(passwordInputs(emu));

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_RESPONSE",
      message:
        "icp: request registry token returned an unexpected response: the token is not a JWT " +
        `(GET ${emu.url}/image-manager/api/v1/auth/token)`,
    });
  });

  it("an unreadable registry token answer is an InvalidResponseError", async () => {
    emu.faults.inject("icp.registryToken", { kind: "bad-json" });
    const error = await createFailure(passwordInputs(emu));

    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_RESPONSE",
      message:
        "icp: request registry token returned an unexpected response: the body is not valid JSON " +
        `(GET ${emu.url}/image-manager/api/v1/auth/token)`,
    });
  });
});
