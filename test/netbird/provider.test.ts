// netbirdProvider's methods called directly against the emulator: the fast layer.
import { inspect } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.ts";
import {
  ApiNetworkError,
  ApiResponseError,
  ApiTimeoutError,
  InvalidResponseError,
  MissingCredentialsError,
  TlsVerificationError,
} from "../../src/errors.ts";
import { tuneHttpClients } from "../../src/core/http.ts";
import { authorizationHeader, describeError } from "../../src/netbird/api.ts";
import { AdoptionError, InvalidCredentialsError } from "../../src/errors.ts";
import { forgetListedTokens, netbirdProvider } from "../../src/netbird/provider.ts";
import { isWellFormedPlainToken } from "../../src/netbird/schemas.ts";
import { PERSONAL_ACCESS_TOKEN } from "../../src/netbird/definition.ts";
import { presentedForm } from "../../src/core/stored-form.ts";
import { configureProvider, useProviderEmulator } from "../harness/emulator.ts";

type Bag = Record<string, unknown>;

const T0 = new Date("2030-01-01T00:00:00Z");
const DAY = 86_400_000;
const days = (n: number) => new Date(T0.getTime() + n * DAY);
const ID = "svc-ci/ci-pipeline";

const { emu, notices, setAt } = useProviderEmulator({
  now: T0,
  tuning: { timeoutMs: 1_000, retryBaseDelayMs: 5 },
  env: ["NB_PAT", "NB_MANAGEMENT_URL"],
});

/** A later `pulumi up`: a new provider process at `at`, which lists the user's tokens afresh. */
function laterRun(at: Date): void {
  forgetListedTokens();
  setAt(at);
}
beforeEach(() => {
  for (const token of emu.netbird.tokens("svc-ci")) emu.netbird.deleteToken("svc-ci", token.id);
});

const routes = () => emu.requestsFor("netbird").map((entry) => `${entry.route} ${entry.status}`);
const tokenIds = () => emu.netbird.tokens("svc-ci").map((token) => token.id);

function inputs(extra: Bag = {}): Bag {
  return {
    userId: "svc-ci",
    name: "ci-pipeline",
    expiresInDays: 90,
    rotateBeforeDays: 30,
    managementUrl: emu.url,
    apiToken: emu.seeds.netbird.adminToken,
    ...extra,
  };
}

async function check(raw: Bag, olds: Bag = {}): Promise<Bag> {
  const checked = await netbirdProvider.check?.(olds, raw);
  expect(checked?.failures).toBeUndefined();
  return checked?.inputs as Bag;
}

/** What {@link create} returns: the id, the outputs and the checked inputs. */
interface Created {
  id: string;
  outs: Bag;
  news: Bag;
}

/** check + create, as the engine does. */
async function create(extra: Bag = {}): Promise<Created> {
  const news = await check(inputs(extra));
  const created = await netbirdProvider.create(news);
  return { id: created.id, outs: created.outs as Bag, news };
}

async function update(olds: Bag, news: Bag): Promise<Bag> {
  const result = await netbirdProvider.update?.(ID, olds, news);
  return result?.outs as Bag;
}

/** create, then the first rotation, due at day 60. */
async function createAndRotate(): Promise<{ first: Created; second: Bag }> {
  const first = await create();
  laterRun(days(60));
  const second = await update(first.outs, first.news);
  return { first, second };
}

async function read(props: Bag): Promise<{ id?: string; props?: Bag }> {
  return (await netbirdProvider.read?.(ID, props)) as { id?: string; props?: Bag };
}

/** Issues a token straight through the API (as someone outside Pulumi would). */
async function issueOutside(name: string, userId = "svc-ci"): Promise<{ id: string; plain: string }> {
  const response = await fetch(`${emu.url}/api/users/${userId}/tokens`, {
    method: "POST",
    headers: { authorization: `Token ${emu.seeds.netbird.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name, expires_in: 30 }),
  });
  const body = (await response.json()) as { plain_token: string; personal_access_token: { id: string } };
  return { id: body.personal_access_token.id, plain: body.plain_token };
}

/** Outputs as a program sees them: defaults and `rotatesAt` put back. */
function presented(outputs: Bag | undefined): Bag {
  return presentedForm(PERSONAL_ACCESS_TOKEN.storedForm, outputs ?? {});
}

/** Authenticates with a token through the API, which marks it used: one request authenticated with a svc-ci token (a service user may list its own tokens). */
async function use(token: string): Promise<number> {
  const response = await fetch(`${emu.url}/api/users/svc-ci/tokens`, {
    headers: { authorization: `Token ${token}` },
  });
  return response.status;
}

describe("create", () => {
  it("issues a token with one POST (after one list for leftovers of interrupted runs) and reports it", async () => {
    const { id, outs } = await create();
    expect(id).toBe(ID);
    expect(routes()).toEqual(["netbird.listTokens 200", "netbird.createToken 200"]);
    // Stored compact: no defaults (revokePrevious false, status "active"), no rotatesAt.
    expect(Object.keys(outs).sort()).toEqual([
      "apiToken",
      "createdAt",
      "createdBy",
      "expiresAt",
      "expiresInDays",
      "managementUrl",
      "name",
      "rotateBeforeDays",
      "token",
      "tokenId",
      "userId",
    ]);
    expect(presented(outs)).toMatchObject({
      userId: "svc-ci",
      name: "ci-pipeline",
      expiresInDays: 90,
      rotateBeforeDays: 30,
      revokePrevious: false,
      managementUrl: emu.url,
      expiresAt: days(90).toISOString(),
      rotatesAt: days(60).toISOString(),
      createdAt: T0.toISOString(),
      createdBy: "user-admin",
      status: "active",
    });
    expect(outs.previousTokenId).toBeUndefined();
    expect(outs.adoptToken).toBeUndefined();
    expect(isWellFormedPlainToken(String(outs.token))).toBe(true);
    expect(emu.netbird.authenticate(String(outs.token))).toBe(true);
    expect(tokenIds()).toEqual([outs.tokenId]);
  });

  it("derives the rotate-before default from the lifetime, and does not store it", async () => {
    const defaults = async (expiresInDays: number) =>
      presented(await check(inputs({ expiresInDays, rotateBeforeDays: undefined }))).rotateBeforeDays;
    expect(await defaults(90)).toBe(7);
    expect(await defaults(9)).toBe(3);
    expect(await defaults(1)).toBeCloseTo(1 / 3, 10);
    expect(await check(inputs({ expiresInDays: 90, rotateBeforeDays: 7 }))).not.toHaveProperty(
      "rotateBeforeDays",
    );
    const { outs } = await create({ expiresInDays: 1, rotateBeforeDays: undefined });
    expect(outs).not.toHaveProperty("rotateBeforeDays");
    expect(presented(outs).rotatesAt).toBe(new Date(T0.getTime() + (2 / 3) * DAY).toISOString());
  });

  it("takes the management URL and credential from stack config, and stores only the URL", async () => {
    await configureProvider(netbirdProvider, {
      "netbird:managementUrl": `${emu.url}/`,
      "netbird:apiToken": emu.seeds.netbird.adminToken,
    });
    const { outs, news } = await create({ managementUrl: undefined, apiToken: undefined });
    expect(news.managementUrl).toBe(emu.url);
    expect(outs.managementUrl).toBe(emu.url);
    expect(outs.apiToken).toBeUndefined();
    expect(tokenIds()).toEqual([outs.tokenId]);
  });

  it("falls back to NB_MANAGEMENT_URL and NB_PAT", async () => {
    process.env.NB_MANAGEMENT_URL = emu.url;
    process.env.NB_PAT = emu.seeds.netbird.adminToken;
    const { outs } = await create({ managementUrl: undefined, apiToken: undefined });
    expect(outs.managementUrl).toBe(emu.url);
    expect(tokenIds()).toEqual([outs.tokenId]);
  });

  it("defaults to NetBird cloud when no management URL is set anywhere", async () => {
    const news = await check(inputs({ managementUrl: undefined }));
    expect(news.managementUrl).toBe("https://api.netbird.io");
    expect(routes()).toEqual([]);
  });

  it.each([
    ["the answer is lost after the token was created", { kind: "drop-after" } as const, 1],
    ["the answer is unreadable", { kind: "bad-json" } as const, 1],
    ["the API answers 503 without creating anything", { kind: "status", status: 503 } as const, 0],
  ])("reconciles when %s: one token, no duplicate", async (_title, fault, strays) => {
    emu.faults.inject("netbird.createToken", fault);
    const { outs } = await create();
    expect(tokenIds()).toEqual([outs.tokenId]);
    expect(emu.netbird.authenticate(String(outs.token))).toBe(true);
    expect(routes()).toEqual([
      "netbird.listTokens 200",
      `netbird.createToken ${fault.kind === "status" ? 503 : fault.kind === "bad-json" ? 200 : 0}`,
      "netbird.listTokens 200",
      ...(strays ? ["netbird.deleteToken 200"] : []),
      "netbird.createToken 200",
    ]);
    expect(notices.some((line) => line.includes("deleted the 1 PAT(s) it had created"))).toBe(strays === 1);
  });

  it("leaves nothing behind when the create keeps losing its answer", async () => {
    emu.faults.inject("netbird.createToken", { kind: "drop-after" }, 2);
    const error = await netbirdProvider.create(await check(inputs())).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiNetworkError);
    expect(error).toMatchObject({ code: "ERR_API_NETWORK", action: "create personal access token" });
    expect(tokenIds()).toEqual([]);
    expect(routes().filter((route) => route.startsWith("netbird.deleteToken"))).toHaveLength(2);
  });

  it("deletes the new token when its answer fails the schema, then fails", async () => {
    emu.faults.inject("netbird.createToken", { kind: "bad-json" }, Number.POSITIVE_INFINITY);
    const error = await netbirdProvider.create(await check(inputs())).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_RESPONSE",
      message: `netbird: create personal access token returned an unexpected response: the body is not valid JSON (POST ${emu.url}/api/users/svc-ci/tokens)`,
    });
    expect(tokenIds()).toEqual([]);
  });

  it("does not touch other tokens while reconciling: tokens of other names stay", async () => {
    const other = await issueOutside("other");
    setAt(new Date(T0.getTime() + 5 * 60_000));
    emu.faults.inject("netbird.createToken", { kind: "drop-after" });
    const { outs } = await create();
    expect(tokenIds().sort()).toEqual([other.id, outs.tokenId].sort());
  });

  it("lists the user's tokens once per provider process: the next token of the user costs one POST", async () => {
    await create();
    emu.clearRequests();
    const second = await netbirdProvider.create(await check(inputs({ name: "second" })));
    expect(routes()).toEqual(["netbird.createToken 200"]);
    expect(tokenIds()).toContain(second.outs.tokenId);
  });

  it("revokes an untracked token of this name (left by a killed run) before it creates, and says so", async () => {
    const other = await issueOutside("other");
    const leftover = await issueOutside("ci-pipeline");
    emu.clearRequests();
    const { outs } = await create();
    expect(routes()).toEqual([
      "netbird.listTokens 200",
      "netbird.deleteToken 200",
      "netbird.createToken 200",
    ]);
    expect(tokenIds().sort()).toEqual([other.id, outs.tokenId].sort());
    expect(notices).toEqual([
      `pulumi-tokens: netbird: user "svc-ci" had 1 PAT(s) named "ci-pipeline" that no state tracks (left by an interrupted run); revoked ${leftover.id}`,
    ]);
  });

  it("says when the cleanup after a lost answer failed, and does not retry blindly", async () => {
    emu.faults.inject("netbird.createToken", { kind: "drop-after" });
    // The leftover list passes (a no-op fault); the list after the lost answer is refused.
    emu.faults.inject("netbird.listTokens", { kind: "delay", ms: 0 });
    emu.faults.inject("netbird.listTokens", { kind: "status", status: 403 });
    const error = await netbirdProvider.create(await check(inputs())).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiNetworkError);
    expect(routes().map((route) => route.split(" ")[0])).toEqual([
      "netbird.listTokens",
      "netbird.createToken",
      "netbird.listTokens",
    ]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(
      'look for a PAT named "ci-pipeline" created at about 2030-01-01T00:00:00.000Z',
    );
  });

  it("fails with a typed 403 naming the API's message, without the credential anywhere", async () => {
    const plain = emu.seeds.netbird.plainUserToken;
    const error = await netbirdProvider
      .create(await check(inputs({ apiToken: plain })))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      code: "ERR_API_RESPONSE",
      status: 403,
      apiMessage: "permission denied",
      message: `netbird: list personal access tokens failed with HTTP 403: permission denied (GET ${emu.url}/api/users/svc-ci/tokens)`,
    });
    for (const text of [
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 5, showHidden: true }),
    ]) {
      expect(text).not.toContain(plain);
      expect(text).not.toMatch(/nbp_[A-Za-z0-9]{8,}/);
    }
    expect(routes()).toEqual(["netbird.listTokens 403"]);
  });

  it("reports NetBird's cross-user rule as it is", async () => {
    const error = await netbirdProvider
      .create(await check(inputs({ userId: "user-plain" })))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({
      code: "ERR_API_RESPONSE",
      message: `netbird: list personal access tokens failed with HTTP 403: admin role required to perform this action (GET ${emu.url}/api/users/user-plain/tokens)`,
    });
  });

  it("without a credential at run time, fails naming every source", async () => {
    const { outs } = await create();
    const props = { ...outs, apiToken: undefined };
    const error = await netbirdProvider.delete?.(ID, props).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingCredentialsError);
    expect(error).toMatchObject({
      code: "ERR_MISSING_CREDENTIALS",
      message:
        'netbird: no apiToken found: set the "apiToken" input, the stack config "netbird:apiToken" or the environment variable NB_PAT',
    });
  });
});

describe("diff and update", () => {
  it("reports no change and calls nothing while not due", async () => {
    const { outs, news } = await create();
    emu.clearRequests();
    laterRun(days(59));
    expect(await netbirdProvider.diff?.(ID, outs, news)).toEqual({ changes: false });
    expect(routes()).toEqual([]);
  });

  it("rotates at rotatesAt: a new token, the old one kept as previous and still valid", async () => {
    const first = await create();
    laterRun(days(60));
    expect(await netbirdProvider.diff?.(ID, first.outs, first.news)).toEqual({ changes: true });
    emu.clearRequests();
    const outs = await update(first.outs, first.news);
    expect(routes()).toEqual(["netbird.listTokens 200", "netbird.createToken 200"]);
    expect(outs.tokenId).not.toBe(first.outs.tokenId);
    expect(presented(outs)).toMatchObject({
      previousTokenId: first.outs.tokenId,
      previousToken: first.outs.token,
      previousExpiresAt: days(90).toISOString(),
      expiresAt: days(150).toISOString(),
      rotatesAt: days(120).toISOString(),
      status: "active",
    });
    expect(emu.netbird.authenticate(String(first.outs.token))).toBe(true);
    expect(emu.netbird.authenticate(String(outs.token))).toBe(true);
  });

  it("revokes the oldest token at the next rotation", async () => {
    const { first, second } = await createAndRotate();
    laterRun(days(120));
    emu.clearRequests();
    const third = await update(second, first.news);
    expect(routes()).toEqual([
      "netbird.listTokens 200",
      "netbird.createToken 200",
      "netbird.deleteToken 200",
    ]);
    expect(third.previousTokenId).toBe(second.tokenId);
    expect(tokenIds()).toEqual([second.tokenId, third.tokenId]);
    expect(emu.netbird.authenticate(String(first.outs.token))).toBe(false);
  });

  it("with revokePrevious, revokes the old token at once and keeps no previous", async () => {
    const first = await create({ revokePrevious: true });
    laterRun(days(60));
    const outs = await update(first.outs, first.news);
    expect(outs.previousTokenId).toBeUndefined();
    expect(outs.previousToken).toBeUndefined();
    expect(tokenIds()).toEqual([outs.tokenId]);
    expect(emu.netbird.authenticate(String(first.outs.token))).toBe(false);
  });

  it("rotates before it is due when rotationTrigger changes", async () => {
    const first = await create({ rotationTrigger: "a" });
    const news = await check(inputs({ rotationTrigger: "b" }), first.news);
    expect(await netbirdProvider.diff?.(ID, first.outs, news)).toEqual({ changes: true });
    const outs = await update(first.outs, news);
    expect(outs.previousTokenId).toBe(first.outs.tokenId);
    expect(outs.rotationTrigger).toBe("b");
  });

  it.each([
    ["name", { name: "other" }],
    ["userId", { userId: "user-admin" }],
    ["managementUrl", { managementUrl: "https://netbird.example.com" }],
  ])("replaces when %s changes", async (key, change) => {
    const first = await create();
    const news = await check(inputs(change), first.news);
    expect(await netbirdProvider.diff?.(ID, first.outs, news)).toEqual({
      changes: true,
      replaces: [key],
      deleteBeforeReplace: false,
    });
  });

  it("changes expiresInDays in place: no API call, the new lifetime applies from the next rotation", async () => {
    const first = await create();
    const news = await check(inputs({ expiresInDays: 30, rotateBeforeDays: 5 }), first.news);
    expect(await netbirdProvider.diff?.(ID, first.outs, news)).toEqual({ changes: true });
    emu.clearRequests();
    const outs = await update(first.outs, news);
    expect(routes()).toEqual([]);
    expect(presented(outs)).toMatchObject({
      tokenId: first.outs.tokenId,
      token: first.outs.token,
      expiresInDays: 30,
      expiresAt: days(90).toISOString(),
      rotatesAt: days(85).toISOString(),
    });
    laterRun(days(86));
    const rotated = await update(outs, news);
    expect(rotated.previousTokenId).toBe(first.outs.tokenId);
    expect(rotated.expiresAt).toBe(days(86 + 30).toISOString());
  });

  it("updates other inputs in place without any API call", async () => {
    const first = await create();
    const news = await check(inputs({ rotateBeforeDays: 10, revokePrevious: true }), first.news);
    expect(await netbirdProvider.diff?.(ID, first.outs, news)).toEqual({ changes: true });
    emu.clearRequests();
    const outs = await update(first.outs, news);
    expect(routes()).toEqual([]);
    expect(presented(outs)).toMatchObject({
      tokenId: first.outs.tokenId,
      token: first.outs.token,
      rotatesAt: days(80).toISOString(),
    });
  });

  it("keeps a failed revocation pending, says so, and retries it at the next rotation", async () => {
    const { first, second } = await createAndRotate();
    laterRun(days(120));
    emu.faults.inject("netbird.deleteToken", { kind: "status", status: 403 });
    const third = await update(second, first.news);
    expect(third.pendingRevocations).toEqual([
      { tokenId: first.outs.tokenId, expiresAt: days(90).toISOString() },
    ]);
    expect(notices).toEqual([
      `pulumi-tokens: netbird: could not revoke PAT ${first.outs.tokenId} of user "svc-ci" after rotating "ci-pipeline" (HTTP 403: forbidden); it is kept in "pendingRevocations" and retried at the next rotation or destroy`,
    ]);
    expect(tokenIds()).toContain(first.outs.tokenId);

    laterRun(days(180));
    const fourth = await update(third, first.news);
    expect(fourth.pendingRevocations).toBeUndefined();
    expect(tokenIds()).toEqual([third.tokenId, fourth.tokenId]);
  });

  it("retries a DELETE that failed with 503 before giving up on it", async () => {
    const first = await create({ revokePrevious: true });
    laterRun(days(60));
    emu.faults.inject("netbird.deleteToken", { kind: "status", status: 503 }, 2);
    const outs = await update(first.outs, first.news);
    expect(outs.pendingRevocations).toBeUndefined();
    expect(tokenIds()).toEqual([outs.tokenId]);
  });

  it("a rotation whose answer is lost keeps every tracked token and leaves no duplicate", async () => {
    const { first, second } = await createAndRotate();
    laterRun(days(120));
    emu.faults.inject("netbird.createToken", { kind: "drop-after" });
    const third = await update(second, first.news);
    expect(third.previousTokenId).toBe(second.tokenId);
    expect(tokenIds()).toEqual([second.tokenId, third.tokenId]);
  });

  it("a rotation whose POST fails throws and changes nothing", async () => {
    const first = await create();
    laterRun(days(60));
    emu.faults.inject("netbird.createToken", { kind: "status", status: 403 });
    const error = await update(first.outs, first.news).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({ code: "ERR_API_RESPONSE", status: 403 });
    expect(tokenIds()).toEqual([first.outs.tokenId]);
  });

  it("retries a create refused with 429 (the rate limiter acts before anything is created)", async () => {
    const first = await create();
    laterRun(days(60));
    emu.faults.inject("netbird.createToken", { kind: "status", status: 429, retryAfter: 0 }, 2);
    emu.clearRequests();
    const outs = await update(first.outs, first.news);
    expect(routes()).toEqual([
      "netbird.listTokens 200",
      "netbird.createToken 429",
      "netbird.createToken 429",
      "netbird.createToken 200",
    ]);
    expect(tokenIds()).toEqual([first.outs.tokenId, outs.tokenId]);
  });
});

describe("read", () => {
  it("updates lastUsed and expiresAt from the API and carries the secret over", async () => {
    const { outs } = await create();
    laterRun(days(3));
    expect(await use(String(outs.token))).toBe(200);
    emu.clearRequests();
    const refreshed = await read(outs);
    expect(routes()).toEqual(["netbird.getToken 200"]);
    expect(refreshed.id).toBe(ID);
    expect(presented(refreshed.props)).toMatchObject({
      tokenId: outs.tokenId,
      token: outs.token,
      lastUsed: days(3).toISOString(),
      expiresAt: days(90).toISOString(),
      rotatesAt: days(60).toISOString(),
      status: "active",
    });
  });

  it("keeps tracking a valid previous token when the current one is gone, and forces a rotation", async () => {
    const { first, second } = await createAndRotate();
    laterRun(days(61));
    emu.netbird.deleteToken("svc-ci", String(second.tokenId));
    const refreshed = (await read(second)).props as Bag;
    expect(refreshed).toMatchObject({
      status: "missing",
      expiresAt: days(61).toISOString(),
      previousTokenId: first.outs.tokenId,
      previousToken: first.outs.token,
    });
    expect(await netbirdProvider.diff?.(ID, refreshed, first.news)).toEqual({ changes: true });
    const third = await update(refreshed, first.news);
    expect(presented(third)).toMatchObject({ status: "active", previousTokenId: first.outs.tokenId });
    expect(tokenIds()).toEqual([first.outs.tokenId, third.tokenId]);
    expect(emu.netbird.authenticate(String(first.outs.token))).toBe(true);
  });

  it("reports the resource gone when nothing it tracks is left", async () => {
    const { outs } = await create();
    emu.netbird.deleteToken("svc-ci", String(outs.tokenId));
    expect(await read(outs)).toEqual({});
  });

  it("keeps an expired previous token tracked for revocation when the current one is gone", async () => {
    const { first, second } = await createAndRotate();
    laterRun(days(91));
    emu.netbird.deleteToken("svc-ci", String(second.tokenId));
    const refreshed = (await read(second)).props as Bag;
    expect(refreshed.previousTokenId).toBeUndefined();
    expect(refreshed.pendingRevocations).toEqual([
      { tokenId: first.outs.tokenId, expiresAt: days(90).toISOString() },
    ]);
    const third = await update(refreshed, first.news);
    expect(third.pendingRevocations).toBeUndefined();
    expect(tokenIds()).toEqual([third.tokenId]);
  });

  it("forgets a previous token that was deleted outside Pulumi", async () => {
    const { first, second } = await createAndRotate();
    emu.netbird.deleteToken("svc-ci", String(first.outs.tokenId));
    const refreshed = (await read(second)).props as Bag;
    expect(presented(refreshed)).toMatchObject({ tokenId: second.tokenId, status: "active" });
    // Removed, not set to undefined: the provider host cannot send undefined values to the engine.
    expect(Object.keys(refreshed)).not.toContain("previousTokenId");
    expect(Object.keys(refreshed)).not.toContain("previousToken");
    expect(Object.values(refreshed)).not.toContain(undefined);
  });
});

describe("delete", () => {
  it("revokes current, previous and pending tokens; 404 counts as done", async () => {
    const { first, second } = await createAndRotate();
    const extra = await issueOutside("ci-pipeline");
    emu.netbird.deleteToken("svc-ci", String(first.outs.tokenId));
    const props = {
      ...second,
      pendingRevocations: [{ tokenId: extra.id, expiresAt: days(90).toISOString() }],
    };
    emu.clearRequests();
    await netbirdProvider.delete?.(ID, props);
    expect(routes()).toEqual([
      "netbird.deleteToken 200",
      "netbird.deleteToken 404",
      "netbird.deleteToken 200",
    ]);
    expect(tokenIds()).toEqual([]);
  });

  it("counts a token of a user the server no longer knows as done, whatever the case of the user id", async () => {
    // The real server lower-cases its 404 message ("user: departed-svc not found").
    const { outs } = await create();
    emu.clearRequests();
    await netbirdProvider.delete?.("Departed-Svc/ci-pipeline", { ...outs, userId: "Departed-Svc" });
    expect(routes()).toEqual(["netbird.deleteToken 404"]);
  });

  it("fails the destroy when a valid token cannot be revoked", async () => {
    const { outs } = await create();
    emu.faults.inject("netbird.deleteToken", { kind: "status", status: 403 });
    const error = await netbirdProvider.delete?.(ID, outs).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({ code: "ERR_API_RESPONSE", status: 403 });
    expect(tokenIds()).toEqual([outs.tokenId]);
  });

  it("does not let an expired token that cannot be revoked block the destroy", async () => {
    const { outs } = await create();
    laterRun(days(91));
    emu.faults.inject("netbird.deleteToken", { kind: "status", status: 403 });
    await netbirdProvider.delete?.(ID, outs);
    expect(notices).toHaveLength(1);
    expect(notices).toEqual([
      `pulumi-tokens: netbird: could not revoke PAT ${outs.tokenId} of user "svc-ci" (HTTP 403: forbidden)`,
    ]);
  });
});

describe("a refused admin credential is never read as 'gone'", () => {
  const refused = (source: string, status: number, action: string) =>
    `netbird: ${action} failed: the API refused the credential "apiToken" from ${source} (HTTP ${status}); ` +
    "it was revoked, deleted or has expired, and nothing was removed from the state. " +
    (source.endsWith(" input")
      ? "Set a valid one in the program and run `pulumi up` first: `pulumi refresh` and `pulumi destroy` use the inputs saved at the last `pulumi up`."
      : source.startsWith("the environment")
        ? "Set a valid one there and run the command again."
        : "Set a valid one there, then run `pulumi up`, or `pulumi refresh --run-program` / `pulumi destroy --run-program`: without `--run-program` they use the configuration saved at the last `pulumi up`.");

  async function withRevocableAdmin(): Promise<{ outs: Bag; revoke: () => void; admin: string }> {
    const admin = await issueOutside("admin-automation", "user-admin");
    const { outs } = await create({ apiToken: admin.plain });
    return { outs, admin: admin.plain, revoke: () => void emu.netbird.deleteToken("user-admin", admin.id) };
  }

  it("read fails with InvalidCredentialsError when the admin PAT was deleted (real server: 404 invalid token)", async () => {
    const { outs, revoke, admin } = await withRevocableAdmin();
    revoke();
    emu.clearRequests();
    const error = await netbirdProvider.read?.(ID, outs).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect(error).toMatchObject({
      code: "ERR_INVALID_CREDENTIALS",
      status: 404,
      message: refused('the "apiToken" input', 404, "get personal access token"),
    });
    expect(String((error as Error).message)).not.toContain(admin);
    expect(routes()).toEqual(["netbird.getToken 404"]);
    expect(tokenIds()).toEqual([outs.tokenId]);
  });

  it("delete fails the same way and revokes nothing", async () => {
    const { outs, revoke } = await withRevocableAdmin();
    revoke();
    const error = await netbirdProvider.delete?.(ID, outs).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect(error).toMatchObject({
      message: refused('the "apiToken" input', 404, "delete personal access token"),
    });
    expect(tokenIds()).toEqual([outs.tokenId]);
  });

  it("names the stack config when the credential came from there; a 401 (malformed or expired) is refused too", async () => {
    const { outs } = await create();
    const stored = { ...outs, apiToken: undefined };
    await configureProvider(netbirdProvider, {
      "netbird:apiToken": emu.seeds.netbird.adminToken.slice(0, 39) + "x",
    });
    const error = await netbirdProvider.read?.(ID, stored).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "ERR_INVALID_CREDENTIALS",
      message: refused('the stack config "netbird:apiToken"', 401, "get personal access token"),
    });
    expect(tokenIds()).toEqual([outs.tokenId]);
  });

  it("a 404 that names neither the token nor its user is an error, not 'gone'", async () => {
    const { outs } = await create();
    emu.faults.inject("netbird.getToken", { kind: "status", status: 404 });
    const error = await netbirdProvider.read?.(ID, outs).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error).toMatchObject({ code: "ERR_API_RESPONSE", status: 404 });
  });
});

describe("adopt", () => {
  it("verifies and takes over a service user's token: it reads itself, never asks who it is", async () => {
    const existing = await issueOutside("ci-pipeline");
    emu.clearRequests();
    const { outs } = await create({ adoptTokenId: existing.id, adoptToken: existing.plain });
    // The second GET is authenticated with the adopted token; /api/users/current is 403 for service users.
    expect(routes()).toEqual(["netbird.getToken 200", "netbird.getToken 200"]);
    expect(outs).toMatchObject({ tokenId: existing.id, token: existing.plain, lastUsed: T0.toISOString() });
    expect(outs.adoptTokenId).toBeUndefined();
    expect(outs.adoptToken).toBeUndefined();
    expect(tokenIds()).toEqual([existing.id]);
    await netbirdProvider.delete?.(ID, outs);
    expect(tokenIds()).toEqual([]);
  });

  it.each<[string, () => Promise<Bag>, string]>([
    [
      "an unknown token id",
      async () => ({
        adoptTokenId: "d0000000000000000000",
        adoptToken: (await issueOutside("ci-pipeline")).plain,
      }),
      "the user has no token with that id",
    ],
    [
      "a token with another name",
      async () => {
        const other = await issueOutside("other");
        return { adoptTokenId: other.id, adoptToken: other.plain };
      },
      'its name is "other", but "name" is "ci-pipeline"',
    ],
    [
      "a plain token that no longer authenticates",
      async () => {
        const target = await issueOutside("ci-pipeline");
        const dead = await issueOutside("dead");
        emu.netbird.deleteToken("svc-ci", dead.id);
        return { adoptTokenId: target.id, adoptToken: dead.plain };
      },
      '"adoptToken" does not authenticate (revoked, deleted or expired)',
    ],
    [
      "a plain token of another user",
      async () => ({
        adoptTokenId: (await issueOutside("ci-pipeline")).id,
        adoptToken: emu.seeds.netbird.adminToken,
      }),
      '"adoptToken" belongs to another user',
    ],
    [
      "another token of the same user",
      async () => {
        const target = await issueOutside("ci-pipeline");
        const sibling = await issueOutside("sibling");
        return { adoptTokenId: target.id, adoptToken: sibling.plain };
      },
      '"adoptToken" is a different token of that user',
    ],
  ])("refuses %s", async (_title, arrange, reason) => {
    const adopt = await arrange();
    emu.clearRequests();
    const error = await netbirdProvider.create(await check(inputs(adopt))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AdoptionError);
    expect(error).toMatchObject({
      code: "ERR_ADOPTION",
      message: `netbird: cannot adopt personal access token ${adopt.adoptTokenId} of user "svc-ci": ${reason}`,
    });
    expect(String(error)).not.toContain(String(adopt.adoptToken));
    expect(emu.requestsFor("netbird").some((entry) => entry.route === "netbird.createToken")).toBe(false);
  });

  it("refuses adoption inputs on a replacement, in check", async () => {
    const existing = await issueOutside("ci-pipeline");
    const olds = await check(inputs({ adoptTokenId: existing.id, adoptToken: existing.plain }));
    const checked = await netbirdProvider.check?.(
      olds,
      inputs({
        adoptTokenId: existing.id,
        adoptToken: existing.plain,
        name: "renamed",
      }),
    );
    expect(checked?.failures).toEqual([
      {
        property: "",
        reason:
          'remove "adoptTokenId" and "adoptToken" before changing "name": the replacement would adopt the token that deleting the old resource revokes',
      },
    ]);
  });
});

describe("connection", () => {
  it("needs caCertificate for a server signed by a private CA, and then works", async () => {
    const tls = await startEmulator({ tls: true, now: T0 });
    try {
      const plain = inputs({ managementUrl: tls.url, apiToken: tls.seeds.netbird.adminToken });
      const error = await netbirdProvider.create(await check(plain)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TlsVerificationError);
      expect(error).toMatchObject({ code: "ERR_TLS_VERIFICATION" });
      expect((error as Error).message).toContain('set "caCertificate" to the PEM of the CA that signed it');
      const created = await netbirdProvider.create(
        await check({ ...plain, caCertificate: String(tls.caCertificate) }),
      );
      expect(tls.netbird.tokens("svc-ci").map((token) => token.id)).toEqual([(created.outs as Bag).tokenId]);
    } finally {
      await tls.close();
    }
  });

  it("sends a PAT as Token and a JWT as Bearer", () => {
    expect(authorizationHeader("nbp_abc")).toBe("Token nbp_abc");
    expect(authorizationHeader("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")).toBe(
      "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
    );
  });

  it("reads NetBird's error message from its JSON body", () => {
    expect(describeError({ message: "token invalid", code: 401 })).toBe("token invalid");
    expect(describeError("oops")).toBeUndefined();
  });

  it("a timeout on a GET is a typed error naming the action", async () => {
    const { outs } = await create();
    emu.faults.inject("netbird.getToken", { kind: "delay", ms: 300 }, Number.POSITIVE_INFINITY);
    tuneHttpClients({ timeoutMs: 100, retryBaseDelayMs: 5 });
    try {
      const error = await read(outs).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiTimeoutError);
      expect(error).toMatchObject({
        code: "ERR_API_TIMEOUT",
        message: `netbird: get personal access token timed out after 100 ms (GET ${emu.url}/api/users/svc-ci/tokens/${outs.tokenId})`,
      });
    } finally {
      tuneHttpClients({ timeoutMs: 1_000, retryBaseDelayMs: 5 });
      emu.faults.clear();
      await new Promise((resolve) => setTimeout(resolve, 400)); // let the delayed handlers finish
    }
  });
});
