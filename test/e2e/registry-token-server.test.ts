// The emulator's generic token server (src/emulator/registry.ts) proven with real parts: the real CNCF
// distribution registry, configured with realm = the emulator's `/auth/token`, service `registry.emulator`
// and the emulator's issuer and JWKS, verifies a token from each grant (Basic GET, OAuth2 password, OAuth2
// refresh_token, anonymous), and crane pushes and pulls with them. crane also runs each exchange itself
// (anonymous, Basic, docker's `identitytoken` as an OAuth2 refresh grant, the POST → GET fall back on 404).
// Opaque tokens: the real registry refuses them (distribution verifies JWTs only), the emulator's own /v2/
// takes them.
//
// The registry and crane are built by scripts/ensure-registry.sh (cached; ~5 min cold). Without Go: under
// CI=true this file fails, elsewhere it prints a SKIPPED line.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.ts";
import { httpsCall } from "../harness/https.ts";
import {
  REALM_PATHS,
  type RegistryScene,
  type RunningRegistry,
  registryBinariesFor,
  startRegistryScene,
} from "../harness/registry.ts";

const tools = await registryBinariesFor("test/e2e/registry-token-server.test.ts");
const SERVICE = "registry.emulator";
const APP = "team/app";
const PUBLIC = "public/base";

let scene: RegistryScene;
let emu: Emulator;
let registry: RunningRegistry;
let started: number;

beforeAll(async () => {
  if (!tools.present) return;
  started = Date.now();
  scene = await startRegistryScene(tools, { service: SERVICE, realmPath: REALM_PATHS.generic });
  ({ emu, registry } = scene);
}, 1_300_000);

afterAll(async () => {
  await scene?.stop();
  // eslint-disable-next-line no-console -- the duration is part of the report
  if (started) console.info(`registry-token-server: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

beforeEach(() => {
  if (!tools.present) return;
  emu.registry.resetModes();
  emu.clearRequests();
});

/** The emulator as crane and the registry see it: `https://localhost:<port>`. */
const emulatorOrigin = () => `https://localhost:${new URL(emu.url).port}`;

/** A call to the emulator over HTTPS, trusting its CA. */
function emulatorCall(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  return httpsCall(`${emulatorOrigin()}${path}`, { ca: String(emu.caCertificate), ...init });
}

const basicHeader = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
});

/** `GET /auth/token` (Basic when `account` is given, else anonymous); the answer's JSON. */
async function getToken(scopes: string[], account?: { username: string; password: string }, offline = false) {
  const query = new URLSearchParams({ service: SERVICE });
  for (const scope of scopes) query.append("scope", scope);
  if (offline) query.set("offline_token", "true");
  const r = await emulatorCall(`/auth/token?${query}`, {
    headers: account === undefined ? {} : basicHeader(account.username, account.password),
  });
  expect(r.status).toBe(200);
  return r.json as { token: string; access_token: string; refresh_token?: string };
}

/** `POST /auth/token` with an OAuth2 form; the answer's JSON. */
async function postToken(fields: Record<string, string>) {
  const r = await emulatorCall("/auth/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ service: SERVICE, client_id: "pulumi-tokens", ...fields }).toString(),
  });
  expect(r.status).toBe(200);
  return r.json as { access_token: string; refresh_token?: string; scope: string };
}

const craneWith = (config: unknown, args: string[]) => scene.craneWith(config, args);

/** A docker config that sends `token` as `Authorization: Bearer` on every request (crane asks for no token). */
const bearer = (token: string) => ({ HttpHeaders: { Authorization: `Bearer ${token}` } });
const image = (repository: string, tag: string) => `${registry.host}/${repository}:${tag}`;
const push = (repository: string, tag: string) => ["append", "-f", scene.layer, "-t", image(repository, tag)];

/** Pushes with one config, then reads the digest back with another (default: the same). */
async function pushAndPull(pushConfig: unknown, repository: string, tag: string, pullConfig = pushConfig) {
  const pushed = await craneWith(pushConfig, push(repository, tag));
  expect([pushed.code, pushed.stderr]).toEqual([
    0,
    expect.stringContaining(`${image(repository, tag)}: digest: sha256:`),
  ]);
  const digest = pushed.stdout.trim().split("@")[1];
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  const pulled = await craneWith(pullConfig, ["digest", image(repository, tag)]);
  expect([pulled.code, pulled.stdout.trim()]).toEqual([0, digest]);
  return digest;
}

/** The registry routes hit since the last call, as `METHOD route status`; clears the log. */
function drainRequests(): string[] {
  const seen = emu.requestsFor("registry").map((entry) => `${entry.method} ${entry.route} ${entry.status}`);
  emu.clearRequests();
  return seen;
}

/** crane's last line when the registry refuses the push of `repository:tag` for want of push. */
const deniedPush = (repository: string, tag: string) =>
  `Error: pushing image ${image(repository, tag)}: PUT ${registry.url}/v2/${repository}/manifests/${tag}: ` +
  `UNAUTHORIZED: authentication required; [map[Action:pull Class: Name:${repository} Type:repository] ` +
  `map[Action:push Class: Name:${repository} Type:repository]]`;

describe.skipIf(!tools.present)("the generic token server's tokens in the real distribution registry", () => {
  it("Basic GET: a push+pull token for team/app; crane pushes and pulls with it", async () => {
    const answer = await getToken([`repository:${APP}:pull,push`], emu.seeds.registry.ci);
    expect(decodeJwt(answer.token)).toMatchObject({ iss: "registry-token-issuer", aud: SERVICE, sub: "ci" });
    await pushAndPull(bearer(answer.token), APP, "basic-get");
    expect(drainRequests()).toEqual(["GET registry.tokenGet 200"]);
  });

  it("OAuth2 password, then refresh_token: each access token pushes and pulls; the refresh keeps its token", async () => {
    const robot = emu.seeds.registry.robot;
    const password = await postToken({
      grant_type: "password",
      username: robot.username,
      password: robot.password,
      access_type: "offline",
      scope: `repository:${APP}:pull,push`,
    });
    expect(password.scope).toBe(`repository:${APP}:pull,push`);
    await pushAndPull(bearer(password.access_token), APP, "oauth2-password");
    const refreshToken = String(password.refresh_token);
    const refreshed = await postToken({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      scope: `repository:${APP}:pull,push`,
    });
    expect(refreshed.refresh_token).toBe(refreshToken);
    expect(refreshed.access_token).not.toBe(password.access_token);
    await pushAndPull(bearer(refreshed.access_token), APP, "oauth2-refresh");
    expect(drainRequests()).toEqual(["POST registry.tokenPost 200", "POST registry.tokenPost 200"]);
  });

  it("anonymous: a token with no credentials pulls public/base (pushed by admin) and cannot push", async () => {
    const admin = await getToken([`repository:${PUBLIC}:pull,push`], emu.seeds.registry.admin);
    const digest = await pushAndPull(bearer(admin.token), PUBLIC, "latest");
    const anonymous = await getToken([`repository:${PUBLIC}:pull,push`]);
    expect(decodeJwt(anonymous.token)).toMatchObject({
      sub: "",
      access: [{ type: "repository", name: PUBLIC, actions: ["pull"] }],
    });
    const pulled = await craneWith(bearer(anonymous.token), ["digest", image(PUBLIC, "latest")]);
    expect([pulled.code, pulled.stdout.trim()]).toEqual([0, digest]);
    const denied = await craneWith(bearer(anonymous.token), push(PUBLIC, "anonymous"));
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim().split("\n").at(-1)).toBe(deniedPush(PUBLIC, "anonymous"));
  });

  it("pull-only (reader): pulls team/app, the registry refuses its push", async () => {
    const ci = await getToken([`repository:${APP}:pull,push`], emu.seeds.registry.ci);
    const reader = await getToken([`repository:${APP}:pull,push`], emu.seeds.registry.reader);
    expect(decodeJwt(reader.token).access).toEqual([{ type: "repository", name: APP, actions: ["pull"] }]);
    await pushAndPull(bearer(ci.token), APP, "for-reader", bearer(reader.token));
    const denied = await craneWith(bearer(reader.token), push(APP, "reader-push"));
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim().split("\n").at(-1)).toBe(deniedPush(APP, "reader-push"));
  });

  it("crane runs each exchange itself against the realm: anonymous, Basic, identitytoken (OAuth2 refresh grant)", async () => {
    const admin = await getToken([`repository:${PUBLIC}:pull,push`], emu.seeds.registry.admin);
    const digest = await pushAndPull(bearer(admin.token), PUBLIC, "crane-anonymous");
    drainRequests();
    const anonymous = await craneWith({}, ["digest", image(PUBLIC, "crane-anonymous")]);
    expect([anonymous.code, anonymous.stdout.trim()]).toEqual([0, digest]);
    expect(drainRequests()).toEqual(["GET registry.tokenGet 200"]);

    const { username, password } = emu.seeds.registry.ci;
    const basicConfig = { auths: { [registry.host]: { username, password } } };
    await pushAndPull(basicConfig, APP, "crane-basic");
    expect(new Set(drainRequests())).toEqual(new Set(["GET registry.tokenGet 200"]));

    const { refresh_token: refreshToken } = await getToken([], emu.seeds.registry.ci, true);
    drainRequests();
    const identity = { auths: { [registry.host]: { identitytoken: refreshToken } } };
    await pushAndPull(identity, APP, "crane-identitytoken");
    expect(new Set(drainRequests())).toEqual(new Set(["POST registry.tokenPost 200"]));
  });

  it("POST answered 404: crane falls back to a Basic GET; 405: crane v0.22.1 does not fall back and fails", async () => {
    const { username, password } = emu.seeds.registry.ci;
    const { refresh_token: refreshToken } = await getToken([], emu.seeds.registry.ci, true);
    const config = { auths: { [registry.host]: { username, password, identitytoken: refreshToken } } };
    const ci = await getToken([`repository:${APP}:pull,push`], emu.seeds.registry.ci);
    const digest = await pushAndPull(bearer(ci.token), APP, "fallback");
    emu.registry.setModes({ oauth2: "404" });
    drainRequests();
    const pulled = await craneWith(config, ["digest", image(APP, "fallback")]);
    expect([pulled.code, pulled.stdout.trim()]).toEqual([0, digest]);
    expect(drainRequests()).toEqual(["POST registry.tokenPost 404", "GET registry.tokenGet 200"]);

    emu.registry.setModes({ oauth2: "405" });
    const refused = await craneWith(config, ["digest", image(APP, "fallback")]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n").at(-1)).toBe(
      `Error: POST ${emulatorOrigin()}/auth/token: UNSUPPORTED: method not allowed`,
    );
    // `crane digest` tries HEAD, then GET: each asks for a token once.
    expect(drainRequests()).toEqual(["POST registry.tokenPost 405", "POST registry.tokenPost 405"]);
  });

  it("opaque tokens: the real registry refuses them (it verifies JWTs only); the emulator's own /v2/ takes them", async () => {
    emu.registry.setModes({ tokenFormat: "opaque" });
    const opaque = await getToken([`repository:${APP}:pull,push`], emu.seeds.registry.ci);
    expect(opaque.token).toMatch(/^[0-9A-Za-z]{48}$/);
    const logFrom = registry.log().length;
    const refused = await craneWith(bearer(opaque.token), ["digest", image(APP, "opaque")]);
    expect(refused.code).toBe(1);
    // crane sends the header to the realm too, where a Bearer is no credential: the exchange ends in a 401.
    expect(refused.stderr.trim().split("\n").at(-1)).toBe(
      `Error: GET ${emulatorOrigin()}/auth/token?scope=repository%3Ateam%2Fapp%3Apull&service=${SERVICE}: ` +
        "UNAUTHORIZED: authentication required",
    );
    expect(registry.log().slice(logFrom)).toContain("error authorizing context: malformed token");
    const own = await emulatorCall("/v2/", { headers: { authorization: `Bearer ${opaque.token}` } });
    expect([own.status, own.json]).toEqual([200, {}]);
  });
});
