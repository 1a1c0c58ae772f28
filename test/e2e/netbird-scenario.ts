/**
 * One engine scenario of `netbird.PersonalAccessToken`, run against any backend that speaks the NetBird
 * management API: the emulator (src/emulator) and the real server (test/harness/netbird-server.ts),
 * as the dynamic resource or as the plugin's `tokens:netbird:PersonalAccessToken`. Every step asserts
 * the same API requests on both backends, so a "0-call plain up" is proven on the real server too.
 *
 * Time: the real server runs on real time, so the scenario starts at the real now and moves only the
 * provider's clock (`PULUMI_TOKENS_NOW`) forward; the tokens stay valid at the server (30 days).
 */
import * as pulumi from "@pulumi/pulumi";
import { CommandError } from "@pulumi/pulumi/automation/index.js";
import { netbird } from "pulumi-tokens";
import { expect } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { RESOURCES } from "../../src/plugin/resources.ts";
import { type OperationResult, TestStack } from "../harness/engine.ts";
import type { NetbirdServer } from "../harness/netbird-server.ts";
import { pluginEnv } from "../harness/plugin.ts";
import { expectNoSecrets } from "../harness/secrets.ts";

const DAY = 86_400_000;
const PLAIN_TOKEN = /nbp_[A-Za-z0-9]{36}/;

/** What the scenario needs from a NetBird API. */
export interface PatBackend {
  name: string;
  url: string;
  adminToken: string;
  adminUserId: string;
  serviceUserId: string;
  /** The provider's clock (and the emulator's) at `when`. */
  at(stack: TestStack, when: Date): void;
  /** The provider's requests since the last call, as `route status`; clears the log. */
  drainRequests(): string[];
  /** The user's token ids, oldest first, as the API lists them (not logged). */
  live(userId: string): Promise<string[]>;
  /** Deletes a token behind Pulumi's back (not logged). */
  deleteToken(userId: string, tokenId: string): Promise<void>;
  /** Issues a token outside Pulumi, as the admin (not logged). */
  issueToken(userId: string, name: string, expiresInDays: number): Promise<{ id: string; plain: string }>;
  /** Does this token authenticate now? (not logged). */
  authenticates(plainToken: string): Promise<boolean>;
  /** Revokes the admin credential and gives a new one (not logged). */
  replaceAdminToken(): Promise<string>;
  close(): Promise<void>;
}

/** The emulator as a {@link PatBackend}, its clock starting at `t0`. */
export async function emulatorBackend(t0: Date): Promise<PatBackend> {
  const emu: Emulator = await startEmulator({ now: t0 });
  let adminToken = emu.seeds.netbird.adminToken;
  const adminUserId = emu.seeds.netbird.adminUserId;
  // The admin's own credential is not one of the tokens the scenario counts.
  let adminTokenId = emu.netbird.tokens(adminUserId).find((token) => token.name === "admin-token")?.id;
  const post = async (userId: string, name: string, days: number) => {
    const response = await fetch(`${emu.url}/api/users/${userId}/tokens`, {
      method: "POST",
      headers: { authorization: `Token ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name, expires_in: days }),
    });
    const body = (await response.json()) as { plain_token: string; personal_access_token: { id: string } };
    emu.clearRequests();
    return { id: body.personal_access_token.id, plain: body.plain_token };
  };
  return {
    name: "the emulator",
    url: emu.url,
    get adminToken() {
      return adminToken;
    },
    adminUserId,
    serviceUserId: emu.seeds.netbird.serviceUserId,
    at(stack, when) {
      stack.setNow(when);
      emu.clock.set(when);
    },
    drainRequests() {
      const seen = emu.requestsFor("netbird").map((entry) => `${entry.route} ${entry.status}`);
      emu.clearRequests();
      return seen;
    },
    live: async (userId) =>
      emu.netbird
        .tokens(userId)
        .map((token) => token.id)
        .filter((id) => id !== adminTokenId),
    async deleteToken(userId, tokenId) {
      emu.netbird.deleteToken(userId, tokenId);
    },
    issueToken: post,
    authenticates: async (plain) => emu.netbird.authenticate(plain),
    async replaceAdminToken() {
      const next = await post(adminUserId, "pulumi-admin-2", 365);
      for (const token of emu.netbird.tokens(adminUserId)) {
        if (token.id !== next.id) emu.netbird.deleteToken(adminUserId, token.id);
      }
      adminToken = next.plain;
      adminTokenId = next.id;
      return adminToken;
    },
    close: () => emu.close(),
  };
}

/** The real server as a {@link PatBackend} (it keeps real time; only the provider's clock moves). */
export function realBackend(server: NetbirdServer): PatBackend {
  let adminToken = server.adminToken;
  let adminTokenId = server.adminTokenId;
  return {
    name: `NetBird management v0.69.0`,
    url: server.url,
    get adminToken() {
      return adminToken;
    },
    adminUserId: server.adminUserId,
    serviceUserId: server.serviceUserId,
    at: (stack, when) => stack.setNow(when),
    drainRequests() {
      const seen = server.requests().map((entry) => `${entry.route} ${entry.status}`);
      server.clearRequests();
      return seen;
    },
    live: async (userId) =>
      (await server.tokens(userId))
        .filter((token) => userId !== server.adminUserId || token.id !== adminTokenId)
        .map((token) => token.id),
    async deleteToken(userId, tokenId) {
      await server.deleteToken(userId, tokenId);
    },
    issueToken: (userId, name, days) => server.issueToken(userId, name, days),
    authenticates: (plain) => server.authenticates(plain),
    async replaceAdminToken() {
      const next = await server.issueToken(server.adminUserId, "pulumi-admin-2", 365);
      await server.deleteToken(server.adminUserId, adminTokenId);
      adminToken = next.plain;
      adminTokenId = next.id;
      return adminToken;
    },
    close: async () => undefined,
  };
}

/** The resource under test: the dynamic resource class or the plugin's type token. */
export type Front = "dynamic" | "plugin";

/** What the program declares; the scenario changes it between operations. */
export interface PatArgs {
  userId: string;
  name: string;
  expiresInDays: number;
  rotateBeforeDays: number;
  revokePrevious?: boolean;
  rotationTrigger?: string;
  adoptTokenId?: string;
  adoptToken?: string;
  /** The admin credential as a resource input (else it comes from config or `NB_PAT`). */
  apiToken?: string;
}

/** Where the admin credential comes from: the stack config, `NB_PAT`, or the resource's `apiToken` input. */
export type CredentialSource = "config" | "env" | "input";

const PLUGIN_PAT = "tokens:netbird:PersonalAccessToken";

/** A resource of the plugin, by type token. */
class PluginPat extends pulumi.CustomResource {
  constructor(name: string, inputs: pulumi.Inputs) {
    const outputs = RESOURCES[PLUGIN_PAT]?.outputs ?? [];
    super(PLUGIN_PAT, name, { ...Object.fromEntries(outputs.map((key) => [key, undefined])), ...inputs });
  }
}

/** A stack whose program declares one PAT from `args` (read at each run) and exports its outputs. */
export async function openPatStack(
  backend: PatBackend,
  front: Front,
  projectName: string,
  args: PatArgs,
  credential: CredentialSource = "config",
): Promise<TestStack> {
  const program = async () => {
    const inputs = {
      ...args,
      ...(args.adoptToken === undefined ? {} : { adoptToken: pulumi.secret(args.adoptToken) }),
      ...(args.apiToken === undefined ? {} : { apiToken: pulumi.secret(args.apiToken) }),
    };
    const pat =
      front === "dynamic"
        ? new netbird.PersonalAccessToken("ci", inputs)
        : (new PluginPat("ci", inputs) as unknown as netbird.PersonalAccessToken);
    return {
      id: pat.id,
      tokenId: pat.tokenId,
      token: pat.token,
      previousTokenId: pat.previousTokenId,
      status: pat.status,
    };
  };
  const [urlKey, tokenKey] =
    front === "dynamic"
      ? ["netbird:managementUrl", "netbird:apiToken"]
      : ["tokens:netbirdManagementUrl", "tokens:netbirdApiToken"];
  const config = {
    [urlKey]: { value: backend.url },
    ...(credential === "config" ? { [tokenKey]: { value: backend.adminToken, secret: true } } : {}),
  };
  if (credential === "input") args.apiToken = backend.adminToken;
  const env = {
    ...(front === "plugin" ? pluginEnv() : {}),
    ...(credential === "env" ? { NB_PAT: backend.adminToken } : {}),
  };
  return TestStack.open({ projectName, program, config, env });
}

/** Points the stack's config at a new admin credential. */
export async function setAdminToken(stack: TestStack, front: Front, token: string): Promise<void> {
  const key = front === "dynamic" ? "netbird:apiToken" : "tokens:netbirdApiToken";
  await stack.stack.setConfig(key, { value: token, secret: true });
}

const out = (result: OperationResult, key: string) => result.outputs[key]?.value as string | undefined;

/**
 * Create, a 0-call plain up, rotation with overlap, the next rotation revoking the oldest, a rotation
 * forced by `rotationTrigger` with `revokePrevious`, an external delete healed by `up --refresh`; then
 * the admin credential revoked: `destroy` fails clearly and keeps state, a plain `destroy` with a new
 * credential in config still uses the one saved at the last `up`, `destroy --run-program` succeeds,
 * and no token is left at the API.
 */
export async function lifecycleScenario(
  backend: PatBackend,
  front: Front,
  projectName: string,
): Promise<void> {
  const t0 = new Date();
  const days = (n: number) => new Date(t0.getTime() + n * DAY);
  // On the real server a token's dates come from its clock, a little after t0: rotations are checked
  // a few minutes past the day they fall due.
  const justAfter = (n: number) => new Date(days(n).getTime() + 5 * 60_000);
  const user = backend.serviceUserId;
  // One name per scenario: a failed run's leftovers never meet another scenario.
  const name = projectName;
  const args: PatArgs = { userId: user, name, expiresInDays: 30, rotateBeforeDays: 20 };
  const stack = await openPatStack(backend, front, projectName, args);
  const plainTokens = new Set<string>([backend.adminToken]);
  const issued = (result: OperationResult) => {
    const pair = { id: String(out(result, "tokenId")), token: String(out(result, "token")) };
    plainTokens.add(pair.token);
    return pair;
  };
  try {
    // 1. create: one list (leftovers of interrupted runs), one POST
    backend.at(stack, t0);
    backend.drainRequests();
    const created = await stack.up();
    expect(created.changes).toEqual({ create: 2 });
    expect(backend.drainRequests()).toEqual(["netbird.listTokens 200", "netbird.createToken 200"]);
    const first = issued(created);
    expect(out(created, "id")).toBe(`${user}/${name}`);
    expect(created.outputs.token?.secret).toBe(true);
    expect(await backend.live(user)).toEqual([first.id]);
    expect(await backend.authenticates(first.token)).toBe(true);

    // 2. plain up before rotatesAt: nothing to do, and not one request
    backend.at(stack, days(9));
    const same = await stack.up();
    expect(same.changes).toEqual({ same: 2 });
    expect(backend.drainRequests()).toEqual([]);
    expect(out(same, "token")).toBe(first.token);

    // 3. at rotatesAt: a new token; the old one stays valid as previous
    backend.at(stack, justAfter(10));
    const rotated = await stack.up({ diff: true });
    expect(rotated.changes).toEqual({ same: 1, update: 1 });
    expect(backend.drainRequests()).toEqual(["netbird.listTokens 200", "netbird.createToken 200"]);
    const second = issued(rotated);
    expect(second.id).not.toBe(first.id);
    expect(out(rotated, "previousTokenId")).toBe(first.id);
    expect(await backend.authenticates(first.token)).toBe(true);
    expect(await backend.authenticates(second.token)).toBe(true);
    expect(rotated.output).not.toMatch(PLAIN_TOKEN);

    // 4. the next rotation revokes the oldest
    backend.at(stack, justAfter(20));
    const again = await stack.up();
    expect(backend.drainRequests()).toEqual([
      "netbird.listTokens 200",
      "netbird.createToken 200",
      "netbird.deleteToken 200",
    ]);
    const third = issued(again);
    expect(out(again, "previousTokenId")).toBe(second.id);
    expect(await backend.live(user)).toEqual([second.id, third.id]);
    expect(await backend.authenticates(first.token)).toBe(false);

    // 5. rotationTrigger forces a rotation; revokePrevious revokes the current token at once
    args.rotationTrigger = "r1";
    args.revokePrevious = true;
    backend.at(stack, justAfter(21));
    const forced = await stack.up();
    expect(forced.changes).toEqual({ same: 1, update: 1 });
    expect(backend.drainRequests()).toEqual([
      "netbird.listTokens 200",
      "netbird.createToken 200",
      "netbird.deleteToken 200",
      "netbird.deleteToken 200",
    ]);
    const fourth = issued(forced);
    expect(out(forced, "previousTokenId")).toBeUndefined();
    expect(await backend.live(user)).toEqual([fourth.id]);
    expect(await backend.authenticates(third.token)).toBe(false);

    // 6. deleted behind Pulumi's back: `up --refresh` notices and issues a new one in the same run
    await backend.deleteToken(user, fourth.id);
    const reborn = await stack.up({ refresh: true });
    expect(reborn.changes).toMatchObject({ create: 1 });
    expect(backend.drainRequests()).toEqual([
      "netbird.getToken 404",
      "netbird.listTokens 200",
      "netbird.createToken 200",
    ]);
    const fifth = issued(reborn);
    expect(await backend.live(user)).toEqual([fifth.id]);

    // 7. no plain token at rest or in anything the engine printed
    const state = await stack.exportedState();
    expect(state).not.toMatch(PLAIN_TOKEN);
    await expectNoSecrets(stack, plainTokens);

    // 8. the admin credential is revoked: destroy fails clearly and keeps the state
    const fresh = await backend.replaceAdminToken();
    plainTokens.add(fresh);
    const refused = await stack.destroy().catch((caught: unknown) => caught);
    expect(String(refused)).toContain(
      'netbird: delete personal access token failed: the API refused the credential "apiToken"',
    );
    expect(String(refused)).toContain("destroy --run-program");
    expect(await backend.live(user)).toEqual([fifth.id]);
    expect(
      await stack.resourceOutputs(
        front === "dynamic" ? "pulumi-nodejs:dynamic/netbird:PersonalAccessToken" : PLUGIN_PAT,
      ),
    ).toMatchObject({ tokenId: fifth.id });
    backend.drainRequests();

    // 9. a new credential in config does not reach a plain destroy (the engine deletes with the
    //    provider configuration saved at the last up); `destroy --run-program` does
    await setAdminToken(stack, front, fresh);
    await expect(stack.destroy()).rejects.toThrow(/the API refused the credential "apiToken"/);
    expect(await backend.live(user)).toEqual([fifth.id]);
    backend.drainRequests();
    const destroyed = await stack.destroy({ runProgram: true });
    expect(destroyed.changes).toMatchObject({ delete: 2 });
    expect(backend.drainRequests()).toEqual(["netbird.deleteToken 200"]);
    expect(await backend.live(user)).toEqual([]);
    for (const line of stack.transcript) expect(line).not.toMatch(PLAIN_TOKEN);
    await expectNoSecrets(stack, plainTokens);
  } finally {
    await stack.dispose();
    for (const id of await backend.live(user).catch(() => [])) await backend.deleteToken(user, id);
  }
}

/**
 * Adopts a token issued outside Pulumi: one of the service user (who may read its own tokens but not
 * ask who it is) and one of the admin itself (a regular, non-service user), then destroys both.
 */
export async function adoptionScenario(
  backend: PatBackend,
  front: Front,
  projectName: string,
): Promise<void> {
  for (const userId of [backend.serviceUserId, backend.adminUserId]) {
    const existing = await backend.issueToken(userId, "adopted", 30);
    const args: PatArgs = {
      userId,
      name: "adopted",
      expiresInDays: 30,
      rotateBeforeDays: 10,
      adoptTokenId: existing.id,
      adoptToken: existing.plain,
    };
    const stack = await openPatStack(
      backend,
      front,
      `${projectName}-${userId === backend.adminUserId ? "admin" : "svc"}`,
      args,
    );
    try {
      backend.at(stack, new Date());
      backend.drainRequests();
      const adopted = await stack.up();
      expect(adopted.changes).toEqual({ create: 2 });
      expect(backend.drainRequests()).toEqual(["netbird.getToken 200", "netbird.getToken 200"]);
      expect(out(adopted, "tokenId")).toBe(existing.id);
      expect(out(adopted, "token")).toBe(existing.plain);
      expect(await backend.live(userId)).toEqual([existing.id]);
      await expectNoSecrets(stack, [existing.plain, backend.adminToken]);
      await stack.destroy();
      expect(await backend.live(userId)).toEqual([]);
    } finally {
      await stack.dispose();
      for (const id of await backend.live(userId).catch(() => [])) await backend.deleteToken(userId, id);
    }
  }
}

/**
 * The way back after the admin credential is revoked, for `refresh` and `up` (`destroy` is in
 * {@link lifecycleScenario}): each fails clearly and keeps the state; with a new credential in config,
 * a plain `refresh` still uses the configuration saved at the last `up` while `refresh --run-program`
 * and `up` use the new one, as the error message says.
 */
export async function recoveryScenario(
  backend: PatBackend,
  front: Front,
  projectName: string,
): Promise<void> {
  const user = backend.serviceUserId;
  const args: PatArgs = { userId: user, name: projectName, expiresInDays: 30, rotateBeforeDays: 10 };
  const stack = await openPatStack(backend, front, projectName, args);
  const refusedBy = (source: string) =>
    `the API refused the credential "apiToken" from ${source} (HTTP 404); it was revoked, deleted or has expired, ` +
    "and nothing was removed from the state. Set a valid one there, then run `pulumi up`, or " +
    "`pulumi refresh --run-program` / `pulumi destroy --run-program`: without `--run-program` they use the " +
    "configuration saved at the last `pulumi up`.";
  const source =
    front === "dynamic"
      ? 'the stack config "netbird:apiToken"'
      : 'the provider config "tokens:netbirdApiToken"';
  try {
    backend.at(stack, new Date());
    const created = await stack.up();
    const tokenId = String(out(created, "tokenId"));

    // refresh
    let fresh = await backend.replaceAdminToken();
    const refreshFailed = await stack.refresh().catch((caught: unknown) => caught);
    expect(String(refreshFailed)).toContain(
      `netbird: get personal access token failed: ${refusedBy(source)}`,
    );
    await setAdminToken(stack, front, fresh);
    await expect(stack.refresh()).rejects.toThrow(/the API refused the credential "apiToken"/);
    backend.drainRequests();
    const refreshed = await stack.refresh({ runProgram: true });
    expect(refreshed.changes).toMatchObject({ same: 2 });
    expect(backend.drainRequests()).toEqual(["netbird.getToken 200"]);

    // up
    fresh = await backend.replaceAdminToken();
    args.rotationTrigger = "after-revocation";
    const upFailed = await stack.up().catch((caught: unknown) => caught);
    expect(String(upFailed)).toContain(`netbird: list personal access tokens failed: ${refusedBy(source)}`);
    expect(await backend.live(user)).toEqual([tokenId]);
    await setAdminToken(stack, front, fresh);
    backend.drainRequests();
    const rotated = await stack.up();
    expect(rotated.changes).toEqual({ same: 1, update: 1 });
    expect(backend.drainRequests()).toEqual(["netbird.listTokens 200", "netbird.createToken 200"]);

    // the last up saved the new credential: a plain destroy works
    await stack.destroy();
    expect(await backend.live(user)).toEqual([]);
  } finally {
    await stack.dispose();
    for (const id of await backend.live(user).catch(() => [])) await backend.deleteToken(user, id);
  }
}

/** The text of `refused` from `source` for `action`, as InvalidCredentialsError words it. */
function refusedMessage(action: string, source: string, advice: string): string {
  return (
    `netbird: ${action} failed: the API refused the credential "apiToken" from ${source} (HTTP 404); ` +
    `it was revoked, deleted or has expired, and nothing was removed from the state. ${advice}`
  );
}

/**
 * The engine's report of a failed operation: the Automation API's CommandError, its text (with no plain
 * token in it). The provider's message is in its Diagnostics as `error: <message>`; the error's class shows
 * only in the stack trace that `PULUMI_TOKENS_DEBUG=1` keeps (`InvalidCredentialsError: <message>`).
 */
async function engineFailure(operation: Promise<unknown>, plainTokens: Iterable<string>): Promise<string> {
  const caught = await operation.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(CommandError);
  const text = String(caught);
  for (const token of plainTokens) expect(text).not.toContain(token);
  return text;
}

/**
 * The way back after the admin credential is revoked when it comes from the environment (`NB_PAT`) or from
 * the resource's `apiToken` input, following the error's own advice: for the environment, set a valid one
 * and run the same command again (`refresh`, `destroy`: no `--run-program` needed, the environment is not
 * saved in state); for an input, `pulumi up` with the new input first, after which `refresh` and `destroy`
 * work. Each failure keeps the state and revokes nothing; no token is left at the API.
 */
export async function credentialSourceRecoveryScenario(
  backend: PatBackend,
  front: Front,
  credential: "env" | "input",
  projectName: string,
): Promise<void> {
  const user = backend.serviceUserId;
  const args: PatArgs = { userId: user, name: projectName, expiresInDays: 30, rotateBeforeDays: 10 };
  const stack = await openPatStack(backend, front, projectName, args, credential);
  const plainTokens = new Set<string>([backend.adminToken]);
  const type = front === "dynamic" ? "pulumi-nodejs:dynamic/netbird:PersonalAccessToken" : PLUGIN_PAT;
  const [source, advice] =
    credential === "env"
      ? ["the environment variable NB_PAT", "Set a valid one there and run the command again."]
      : [
          'the "apiToken" input',
          "Set a valid one in the program and run `pulumi up` first: `pulumi refresh` and `pulumi destroy` " +
            "use the inputs saved at the last `pulumi up`.",
        ];
  const setCredential = (token: string) => {
    plainTokens.add(token);
    if (credential === "env") stack.setEnv("NB_PAT", token);
    else args.apiToken = token;
  };
  try {
    backend.at(stack, new Date());
    const created = await stack.up();
    expect(created.changes).toEqual({ create: 2 });
    const tokenId = String(out(created, "tokenId"));
    plainTokens.add(String(out(created, "token")));

    // refresh with the credential revoked: refused, the state kept. With PULUMI_TOKENS_DEBUG=1 the dynamic
    // provider's host prints the stack, which names the class; the plugin reports the message only.
    let fresh = await backend.replaceAdminToken();
    plainTokens.add(fresh);
    backend.drainRequests();
    stack.setEnv("PULUMI_TOKENS_DEBUG", "1");
    const refreshFailed = await engineFailure(stack.refresh(), plainTokens);
    stack.setEnv("PULUMI_TOKENS_DEBUG", undefined);
    const refreshRefused = refusedMessage("get personal access token", source, advice);
    expect(refreshFailed).toContain(`\n    error: ${refreshRefused}\n`);
    if (front === "dynamic")
      expect(refreshFailed).toContain(`\n    InvalidCredentialsError: ${refreshRefused}`);
    expect(backend.drainRequests()).toEqual(["netbird.getToken 404"]);
    expect(await stack.resourceOutputs(type)).toMatchObject({ tokenId });

    // destroy with the credential revoked: refused, nothing revoked, the state kept
    const destroyFailed = await engineFailure(stack.destroy(), plainTokens);
    expect(destroyFailed).toContain(
      `\n    error: ${refusedMessage("delete personal access token", source, advice)}\n`,
    );
    if (front === "dynamic") {
      expect(destroyFailed).toContain("pulumi-tokens: set PULUMI_TOKENS_DEBUG=1 to see the stack trace");
    }
    expect(backend.drainRequests()).toEqual(["netbird.deleteToken 404"]);
    expect(await backend.live(user)).toEqual([tokenId]);
    expect(await stack.resourceOutputs(type)).toMatchObject({ tokenId });

    // the advice, followed
    setCredential(fresh);
    if (credential === "input") {
      // Without the `up` the new input does not reach refresh: it reads with the inputs saved in state.
      const stale = await engineFailure(stack.refresh(), plainTokens);
      expect(stale).toContain(
        `\n    error: ${refusedMessage("get personal access token", source, advice)}\n`,
      );
      expect(backend.drainRequests()).toEqual(["netbird.getToken 404"]);
      // `pulumi up` first: it saves the new input (0 calls: nothing is due), then refresh and destroy use it
      const upped = await stack.up();
      expect(upped.changes).toEqual({ same: 1, update: 1 });
      expect(backend.drainRequests()).toEqual([]);
    }
    const refreshed = await stack.refresh();
    expect(refreshed.changes).toMatchObject({ same: 2 });
    expect(backend.drainRequests()).toEqual(["netbird.getToken 200"]);

    // revoked once more, then the same way back for destroy
    fresh = await backend.replaceAdminToken();
    await engineFailure(stack.destroy(), [...plainTokens, fresh]);
    expect(await backend.live(user)).toEqual([tokenId]);
    setCredential(fresh);
    if (credential === "input") await stack.up();
    backend.drainRequests();
    const destroyed = await stack.destroy();
    expect(destroyed.changes).toMatchObject({ delete: 2 });
    expect(backend.drainRequests()).toEqual(["netbird.deleteToken 200"]);
    expect(await backend.live(user)).toEqual([]);
    for (const line of stack.transcript) expect(line).not.toMatch(PLAIN_TOKEN);
    await expectNoSecrets(stack, plainTokens);
  } finally {
    await stack.dispose();
    for (const id of await backend.live(user).catch(() => [])) await backend.deleteToken(user, id);
  }
}
