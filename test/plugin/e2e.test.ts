// The provider plugin through the real engine (issue #13, the TypeScript proof): one token of each kind
// declared by type token (`tokens:netbird:PersonalAccessToken` …, not the dynamic resource classes),
// served by `pulumi-resource-tokens` found on PATH, against the emulators over HTTPS.
import * as pulumi from "@pulumi/pulumi";
import { gcore, netbird } from "pulumi-tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { connect } from "../../src/netbird/api.ts";
import { RESOURCES } from "../../src/plugin/resources.ts";
import { type OperationResult, TestStack } from "../harness/engine.ts";
import { pluginEnv } from "../harness/plugin.ts";
import { expectNoSecrets, resourcesOf } from "../harness/secrets.ts";

const T0 = new Date("2030-01-01T00:00:00Z");
const MINUTE = 60_000;
const DAY = 86_400_000;
const after = (ms: number) => new Date(T0.getTime() + ms);

const PAT = "tokens:netbird:PersonalAccessToken";
const USER_TOKEN = "tokens:gcore:UserToken";
const REGISTRY_TOKEN = "tokens:icp:RegistryToken";

let emu: Emulator;
const stacks: TestStack[] = [];

beforeAll(async () => {
  emu = await startEmulator({ tls: true, now: T0 });
});
afterAll(async () => {
  await Promise.all(stacks.map((stack) => stack.dispose()));
  await emu?.close();
});

/** A resource of the plugin, by type token; every output the plugin declares is readable on it. */
class PluginToken extends pulumi.CustomResource {
  constructor(type: string, name: string, inputs: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    const outputs = RESOURCES[type]?.outputs ?? [];
    super(type, name, { ...Object.fromEntries(outputs.map((key) => [key, undefined])), ...inputs }, opts);
  }
  output(key: string): pulumi.Output<unknown> {
    return (this as unknown as Record<string, pulumi.Output<unknown>>)[key] as pulumi.Output<unknown>;
  }
}

/** An explicit `tokens` provider: its arguments reach the plugin's Configure. */
class PluginProvider extends pulumi.ProviderResource {
  constructor(name: string, args: pulumi.Inputs) {
    super("tokens", name, args);
  }
}

/** The plugin's config keys for NetBird and ICP (Gcore's come from an explicit provider). */
function pluginConfig() {
  const ca = String(emu.caCertificate);
  return {
    "tokens:netbirdManagementUrl": { value: emu.url },
    "tokens:netbirdApiToken": { value: emu.seeds.netbird.adminToken, secret: true },
    "tokens:netbirdCaCertificate": { value: ca },
    "tokens:icpClusterUrl": { value: emu.url },
    "tokens:icpUsername": { value: emu.seeds.icp.username },
    "tokens:icpPassword": { value: emu.seeds.icp.password, secret: true },
    "tokens:icpCaCertificate": { value: ca },
  };
}

/** One token of each kind; the Gcore one through an explicit provider given the Gcore settings. */
function threeTokens() {
  const gcoreAdmin = new PluginProvider("gcore-admin", {
    gcoreApiUrl: emu.url,
    gcoreApiKey: pulumi.secret(emu.seeds.gcore.resellerApiKey),
    gcoreCaCertificate: String(emu.caCertificate),
  });
  const pat = new PluginToken(PAT, "ci", {
    userId: "svc-ci",
    name: "ci-pipeline",
    expiresInDays: 30,
    rotateBeforeDays: 20,
  });
  const pair = new PluginToken(
    USER_TOKEN,
    "support",
    { userId: emu.seeds.gcore.userId, rotateBeforeMinutes: 10 },
    { provider: gcoreAdmin },
  );
  const pull = new PluginToken(REGISTRY_TOKEN, "pull", {
    scope: "repository:ns/app:pull",
    rotateBeforeMinutes: 5,
  });
  return {
    patId: pat.id,
    patTokenId: pat.output("tokenId"),
    patToken: pat.output("token"),
    accessToken: pair.output("accessToken"),
    refreshToken: pair.output("refreshToken"),
    userGroups: pair.output("userGroups"),
    registryToken: pull.output("token"),
    dockerConfigJson: pull.output("dockerConfigJson"),
    access: pull.output("access"),
  };
}

/** Moves the plugin's clock and the emulator's together. */
function at(stack: TestStack, when: Date): void {
  stack.setNow(when);
  emu.clock.set(when);
}

/** The requests since the last call, as `route status`, and clears the log. */
function drainRequests(): string[] {
  const seen = emu.requests.map((entry) => `${entry.route} ${entry.status}`);
  emu.clearRequests();
  return seen;
}

const value = (result: OperationResult, key: string) => result.outputs[key]?.value as string;

/** Every credential an operation returned, for the secrets assertion. */
function credentialsOf(result: OperationResult): string[] {
  return ["patToken", "accessToken", "refreshToken", "registryToken", "dockerConfigJson"]
    .map((key) => value(result, key))
    .filter((text) => typeof text === "string" && text.length >= 8);
}

interface StoredResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

const isCiphertext = (stored: unknown) =>
  typeof stored === "object" &&
  stored !== null &&
  typeof (stored as { ciphertext?: unknown }).ciphertext === "string";

async function storedResources(stack: TestStack): Promise<StoredResource[]> {
  return resourcesOf(await stack.exportedState()) as StoredResource[];
}

describe("the tokens provider plugin on the real engine", () => {
  it("creates one token of each kind, keeps them with 0 calls, rotates when due (detailed diff), re-creates after an external delete, destroys", async () => {
    const stack = await TestStack.open({
      projectName: "plugin-tokens",
      program: async () => threeTokens(),
      config: pluginConfig(),
      env: pluginEnv(),
    });
    stacks.push(stack);
    const known = new Set<string>([
      emu.seeds.netbird.adminToken,
      emu.seeds.gcore.resellerApiKey,
      emu.seeds.icp.password,
    ]);
    const started = Date.now();

    // 0. a preview of the new stack issues nothing: no API call, no token, the outputs unknown
    at(stack, T0);
    emu.clearRequests();
    const previewed = await stack.preview();
    expect(previewed.changes).toEqual({ create: 5 });
    expect(drainRequests()).toEqual([]);
    expect(emu.netbird.tokens("svc-ci")).toEqual([]);
    for (const key of ["patTokenId", "patToken", "accessToken", "registryToken", "access"]) {
      expect(previewed.output).toMatch(new RegExp(`^ +${key} *: \\[unknown\\]$`, "m"));
    }

    // 1. create: the stack, the explicit Gcore provider and the three tokens
    const created = await stack.up();
    expect(created.changes).toEqual({ create: 5 });
    credentialsOf(created).forEach((credential) => known.add(credential));
    expect(value(created, "patId")).toBe("svc-ci/ci-pipeline");
    for (const key of ["patToken", "accessToken", "refreshToken", "registryToken", "dockerConfigJson"]) {
      // Secret because the plugin returned it as a secret: the program set no additionalSecretOutputs.
      expect(created.outputs[key]?.secret, key).toBe(true);
      expect(value(created, key)).toMatch(/\S{20,}/);
    }
    expect(created.outputs.userGroups?.value).toEqual(["Administrators"]);
    expect(created.outputs.access?.value).toEqual([
      { type: "repository", name: "ns/app", actions: ["pull"] },
    ]);
    expect(emu.netbird.tokens("svc-ci").map((token) => token.id)).toEqual([value(created, "patTokenId")]);
    const createdRequests = drainRequests();
    expect(createdRequests).toEqual(
      expect.arrayContaining(["netbird.createToken 200", "gcore.userToken 200", "icp.registryToken 200"]),
    );

    // At rest: every credential encrypted, no __provider, the config credentials only in the providers.
    const resources = await storedResources(stack);
    for (const resource of resources) {
      expect(resource.inputs ?? {}).not.toHaveProperty("__provider");
      expect(resource.outputs ?? {}).not.toHaveProperty("__provider");
    }
    const stored = (type: string) => resources.find((resource) => resource.type === type) as StoredResource;
    expect(isCiphertext(stored(PAT).outputs?.token)).toBe(true);
    expect(isCiphertext(stored(USER_TOKEN).outputs?.accessToken)).toBe(true);
    expect(isCiphertext(stored(USER_TOKEN).outputs?.refreshToken)).toBe(true);
    expect(isCiphertext(stored(REGISTRY_TOKEN).outputs?.token)).toBe(true);
    expect(isCiphertext(stored(REGISTRY_TOKEN).outputs?.dockerConfigJson)).toBe(true);
    // The explicit provider's arguments and the stack config (the default provider's inputs), encrypted.
    const provider = (name: string) =>
      resources.find((resource) =>
        resource.urn.endsWith(`::pulumi:providers:tokens::${name}`),
      ) as StoredResource;
    expect(isCiphertext(provider("gcore-admin").inputs?.gcoreApiKey)).toBe(true);
    expect(isCiphertext(provider("gcore-admin").outputs?.gcoreApiKey)).toBe(true);
    expect(isCiphertext(provider("default").inputs?.netbirdApiToken)).toBe(true);
    expect(isCiphertext(provider("default").inputs?.icpPassword)).toBe(true);
    for (const type of [PAT, USER_TOKEN, REGISTRY_TOKEN]) {
      const { inputs = {}, outputs = {} } = stored(type);
      for (const key of ["apiToken", "apiKey", "password", "idToken"]) {
        expect(inputs, `${type} inputs`).not.toHaveProperty(key);
        expect(outputs, `${type} outputs`).not.toHaveProperty(key);
      }
      const bytes = JSON.stringify(stored(type)).length;
      process.stdout.write(`plugin state at rest: ${type}: ${bytes} bytes\n`);
    }

    // 2. plain up before anything is due: no change, not one API call
    at(stack, after(10 * MINUTE));
    const quiet = await stack.up();
    expect(quiet.changes).toEqual({ same: 5 });
    expect(drainRequests()).toEqual([]);
    expect(value(quiet, "patToken")).toBe(value(created, "patToken"));

    // 3. the registry token is due (rotatesAt = 25 min): the preview's detailed diff names the
    //    credential outputs and the plugin says why; the up renews only that one
    at(stack, after(26 * MINUTE));
    const duePreview = await stack.preview({ stderr: true });
    expect(duePreview.changes).toMatchObject({ same: 4, update: 1 });
    expect(duePreview.output).toContain(`~ ${REGISTRY_TOKEN}: (update)`);
    // The engine prints an update of an output with its old value only (new values are taken from the
    // inputs, and a credential is no input): `- token: [secret]` under `~ …: (update)`.
    expect(duePreview.output).toMatch(/^ {6}- token +: \[secret\]$/m);
    expect(duePreview.output).toMatch(/^ {6}- dockerConfigJson *: \[secret\]$/m);
    expect(duePreview.output).toContain(
      `pulumi-tokens: icp: ${new URL(emu.url).hostname}:8500/repository:ns/app:pull: rotating: rotatesAt ${after(25 * MINUTE).toISOString()} has passed`,
    );
    expect(drainRequests()).toEqual([]);
    const renewed = await stack.up();
    expect(renewed.changes).toEqual({ same: 4, update: 1 });
    expect(drainRequests()).toEqual(["icp.identityToken 200", "icp.registryToken 200"]);
    credentialsOf(renewed).forEach((credential) => known.add(credential));
    expect(value(renewed, "registryToken")).not.toBe(value(created, "registryToken"));
    expect(value(renewed, "accessToken")).toBe(value(created, "accessToken"));

    // 4. the NetBird token is deleted behind Pulumi's back: `up --refresh` issues a new one in the same run
    at(stack, after(30 * MINUTE));
    emu.netbird.deleteToken("svc-ci", value(created, "patTokenId"));
    const recreated = await stack.up({ refresh: true });
    expect(recreated.changes).toMatchObject({ create: 1 });
    credentialsOf(recreated).forEach((credential) => known.add(credential));
    expect(value(recreated, "patTokenId")).not.toBe(value(created, "patTokenId"));
    expect(emu.netbird.tokens("svc-ci").map((token) => token.id)).toEqual([value(recreated, "patTokenId")]);
    expect(emu.netbird.authenticate(value(recreated, "patToken"))).toBe(true);
    expect(drainRequests()).toEqual(
      expect.arrayContaining(["netbird.getToken 404", "netbird.listTokens 200", "netbird.createToken 200"]),
    );

    // 5. ten days on, all three are due: the preview shows three updates of their credentials, with reasons
    at(stack, after(10 * DAY + 60 * MINUTE));
    const allDue = await stack.preview({ stderr: true });
    expect(allDue.changes).toMatchObject({ same: 2, update: 3 });
    for (const type of [PAT, USER_TOKEN, REGISTRY_TOKEN])
      expect(allDue.output).toContain(`~ ${type}: (update)`);
    expect(allDue.output).toMatch(/^ {6}- accessToken *: \[secret\]$/m);
    expect(allDue.output).toContain("pulumi-tokens: netbird: svc-ci/ci-pipeline: rotating: rotatesAt");
    expect(allDue.output).toContain(`pulumi-tokens: gcore: users/${emu.seeds.gcore.userId}: WARNING:`);
    const rotated = await stack.up();
    expect(rotated.changes).toEqual({ same: 2, update: 3 });
    credentialsOf(rotated).forEach((credential) => known.add(credential));
    expect(value(rotated, "patToken")).not.toBe(value(recreated, "patToken"));
    expect(value(rotated, "accessToken")).not.toBe(value(renewed, "accessToken"));
    // NetBird keeps the previous token valid for the overlap.
    expect(emu.netbird.tokens("svc-ci").map((token) => token.id)).toEqual([
      value(recreated, "patTokenId"),
      value(rotated, "patTokenId"),
    ]);
    drainRequests();

    // The whole history at rest and everything printed: no plain credential anywhere.
    await expectNoSecrets(stack, known);

    // 6. destroy revokes both NetBird tokens
    const destroyed = await stack.destroy();
    expect(destroyed.changes).toEqual({ delete: 5 });
    expect(emu.netbird.tokens("svc-ci")).toEqual([]);
    expect(drainRequests().filter((line) => line.startsWith("netbird."))).toEqual([
      "netbird.deleteToken 200",
      "netbird.deleteToken 200",
    ]);
    process.stdout.write(`plugin e2e scenario: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, 180_000);

  it("imports an existing NetBird token by userId/tokenId, tracks its expiry, rotates it and revokes it on destroy", async () => {
    // A token made outside Pulumi, through the API.
    emu.clock.set(T0);
    const api = connect({
      managementUrl: emu.url,
      apiToken: emu.seeds.netbird.adminToken,
      caCertificate: String(emu.caCertificate),
    });
    const outside = await api.createToken("svc-ci", "imported", 30);
    const declared = { userId: "svc-ci", name: "imported", expiresInDays: 30 };
    // The import id, given as the `import` resource option. `pulumi import tokens:netbird:PersonalAccessToken
    // imported svc-ci/<tokenId>` sends the plugin the same Read (id, no state); the CLI command also runs
    // the program's language host to write the code, and this machine has no Node.js language host.
    let importId: string | undefined = `svc-ci/${outside.info.id}`;
    const stack = await TestStack.open({
      projectName: "plugin-import",
      program: async () => {
        const pat = new PluginToken(
          PAT,
          "imported",
          declared,
          importId === undefined ? {} : { import: importId },
        );
        return { tokenId: pat.output("tokenId"), previousTokenId: pat.output("previousTokenId"), id: pat.id };
      },
      config: pluginConfig(),
      env: pluginEnv(),
    });
    stacks.push(stack);
    at(stack, after(DAY));
    emu.clearRequests();
    const imported = await stack.up();
    expect(imported.changes).toEqual({ create: 1, import: 1 });
    expect(drainRequests()).toEqual(["netbird.getToken 200"]);
    const state = (await stack.decryptedDeployment()) as { resources: StoredResource[] };
    const resource = state.resources.find((entry) => entry.type === PAT) as StoredResource & { id: string };
    expect(resource.id).toBe("svc-ci/imported");
    expect(resource.inputs).toMatchObject(declared);
    expect(resource.outputs).toMatchObject({
      ...declared,
      tokenId: outside.info.id,
      expiresAt: outside.info.expiresAt,
      createdAt: outside.info.createdAt,
      status: "active",
      // 30 days with the default window (7 days): rotate from day 23.
      rotatesAt: new Date(Date.parse(outside.info.expiresAt) - 7 * DAY).toISOString(),
    });
    // The plain token cannot be read back: the imported state has none (stored, like every token, as a secret).
    expect(resource.outputs?.token).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      plaintext: '""',
    });

    // Without the import option now: a plain up is a no-op with no API call.
    importId = undefined;
    const same = await stack.up();
    expect(same.changes).toEqual({ same: 2 });
    expect(drainRequests()).toEqual([]);
    expect(value(same, "id")).toBe("svc-ci/imported");

    // At rotatesAt the imported token is rotated; it stays valid as the previous one (the overlap).
    at(stack, after(24 * DAY));
    const rotated = await stack.up();
    expect(rotated.changes).toEqual({ same: 1, update: 1 });
    expect(value(rotated, "previousTokenId")).toBe(outside.info.id);
    expect(emu.netbird.authenticate(outside.plainToken)).toBe(true);

    // Destroy revokes the imported token and its successor.
    await stack.destroy();
    expect(emu.netbird.tokens("svc-ci").filter((token) => token.name === "imported")).toEqual([]);
    expect(emu.netbird.authenticate(outside.plainToken)).toBe(false);
    await expectNoSecrets(stack, [emu.seeds.netbird.adminToken, outside.plainToken]);
  }, 120_000);

  it("refuses a mistyped config key in preview, naming the key and not its value", async () => {
    const stack = await TestStack.open({
      projectName: "plugin-typo",
      program: async () => {
        new PluginToken(PAT, "ci", { userId: "svc-ci", name: "typo", expiresInDays: 30 });
        return {};
      },
      config: {
        "tokens:netbirdManagementUrl": { value: emu.url },
        "tokens:netbirdApiTokn": { value: emu.seeds.netbird.adminToken, secret: true },
      },
      env: pluginEnv(),
    });
    stacks.push(stack);
    emu.clearRequests();
    const failure = await stack.preview().then(
      () => new Error("the preview passed"),
      (error: unknown) => error as Error,
    );
    expect(String(failure)).toContain('"tokens:netbirdApiTokn" is not a config key of the tokens provider');
    expect(String(failure)).not.toContain(emu.seeds.netbird.adminToken);
    expect(emu.requests).toEqual([]);
  }, 60_000);

  it("stores fewer bytes per token than the dynamic resources (no __provider)", async () => {
    const ca = String(emu.caCertificate);
    const stack = await TestStack.open({
      projectName: "plugin-bytes",
      program: async () => {
        const gcoreAdmin = new PluginProvider("gcore-admin", {
          gcoreApiUrl: emu.url,
          gcoreApiKey: pulumi.secret(emu.seeds.gcore.resellerApiKey),
          gcoreCaCertificate: ca,
        });
        new PluginToken(PAT, "plugin-pat", { userId: "svc-ci", name: "bytes-plugin", expiresInDays: 30 });
        new PluginToken(
          USER_TOKEN,
          "plugin-user",
          { userId: emu.seeds.gcore.userId },
          { provider: gcoreAdmin },
        );
        new netbird.PersonalAccessToken("dynamic-pat", {
          userId: "svc-ci",
          name: "bytes-dynamic",
          expiresInDays: 30,
        });
        new gcore.UserToken("dynamic-user", { userId: emu.seeds.gcore.userId });
        return {};
      },
      config: {
        ...pluginConfig(),
        "netbird:managementUrl": { value: emu.url },
        "netbird:apiToken": { value: emu.seeds.netbird.adminToken, secret: true },
        "netbird:caCertificate": { value: ca },
        "gcore:apiUrl": { value: emu.url },
        "gcore:apiKey": { value: emu.seeds.gcore.resellerApiKey, secret: true },
        "gcore:caCertificate": { value: ca },
      },
      env: pluginEnv(),
    });
    stacks.push(stack);
    at(stack, T0);
    const created = await stack.up();
    expect(created.changes).toEqual({ create: 6 });
    const resources = await storedResources(stack);
    const bytes = (type: string) =>
      JSON.stringify(resources.find((resource) => resource.type === type)).length;
    const rows = [
      ["NetBird PersonalAccessToken", bytes(PAT), bytes("pulumi-nodejs:dynamic/netbird:PersonalAccessToken")],
      ["Gcore UserToken", bytes(USER_TOKEN), bytes("pulumi-nodejs:dynamic/gcore:UserToken")],
    ] as const;
    for (const [label, plugin, dynamic] of rows) {
      process.stdout.write(`state bytes per token at rest: ${label}: plugin ${plugin}, dynamic ${dynamic}\n`);
      expect(plugin).toBeLessThan(dynamic);
    }
    await stack.destroy();
  }, 120_000);
});
