// registry.Token through the real engine, with real parts on both sides of the token (issue 32): the
// emulator's spec-complete token server issues, the real CNCF distribution registry verifies every JWT,
// and crane pushes and pulls with the `dockerConfigJson` output. Every grant (Basic GET, OAuth2 password,
// OAuth2 refresh_token, anonymous) and opaque tokens; plain `up` makes no call before rotatesAt; a token
// living no longer than the window is fetched on every `up`, and the preview says why.
//
// The registry and crane are built by scripts/ensure-registry.sh (cached; ~5 min cold). Without Go:
// under CI=true this file fails, elsewhere it prints a SKIPPED line.
import * as pulumi from "@pulumi/pulumi";
import { registry as tokens } from "pulumi-tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import program from "../../examples/registry-token/index.ts";
import { RESOURCES } from "../../src/plugin/resources.ts";
import { type OperationResult, TestStack } from "../harness/engine.ts";
import { pluginEnv } from "../harness/plugin.ts";
import { httpsCall } from "../harness/https.ts";
import {
  REALM_PATHS,
  type RegistryScene,
  registryBinariesFor,
  startRegistryScene,
} from "../harness/registry.ts";
import { expectCredentialsNotStored, expectNoSecrets } from "../harness/secrets.ts";

const tools = await registryBinariesFor("test/e2e/registry-token.test.ts");
const SERVICE = "registry.emulator";
const REPOSITORY = "team/app";
const PLUGIN_TYPE = "tokens:registry:Token";
const PUBLIC = "public/base";

let scene: RegistryScene;

/** A token straight from the emulator's GET for `account` (the log is cleared after). */
async function directToken(account: { username: string; password: string }, query: string) {
  const basic = Buffer.from(`${account.username}:${account.password}`).toString("base64");
  const { json } = await httpsCall(`${scene.emu.url}/auth/token?service=${SERVICE}&${query}`, {
    ca: scene.emu.caCertificate,
    headers: { authorization: `Basic ${basic}` },
  });
  scene.emu.clearRequests();
  return json as { token: string; refresh_token?: string };
}

beforeAll(async () => {
  if (!tools.present) return;
  scene = await startRegistryScene(tools, { service: SERVICE, realmPath: REALM_PATHS.generic });
  // public/base exists for the anonymous pull: pushed once with an admin token.
  const { token } = await directToken(scene.emu.seeds.registry.admin, `scope=repository:${PUBLIC}:pull,push`);
  const pushed = await scene.craneWith({ HttpHeaders: { Authorization: `Bearer ${token}` } }, [
    "append",
    "-f",
    scene.layer,
    "-t",
    `${scene.registry.host}/${PUBLIC}:latest`,
  ]);
  if (pushed.code !== 0) throw new Error(`could not seed ${PUBLIC}: ${pushed.stderr}`);
}, 1_300_000);

afterAll(async () => {
  await scene?.stop();
});

/** The registry requests since the last call, as `METHOD route status`, sorted, and clears the log. */
function drainRequests(): string[] {
  const seen = scene.emu
    .requestsFor("registry")
    .map((entry) => `${entry.method} ${entry.route} ${entry.status}`);
  scene.emu.clearRequests();
  return seen.sort();
}

const text = (result: OperationResult, key: string) => String(result.outputs[key]?.value);
const image = (tag: string) => `${scene.registry.host}/${REPOSITORY}:${tag}`;
const dockerConfig = (result: OperationResult, key: string) => JSON.parse(text(result, key)) as unknown;

/** A resource of the plugin, by type token (every declared output readable). */
class PluginToken extends pulumi.CustomResource {
  constructor(name: string, inputs: pulumi.Inputs) {
    const outputs = RESOURCES[PLUGIN_TYPE]?.outputs ?? [];
    super(PLUGIN_TYPE, name, { ...Object.fromEntries(outputs.map((key) => [key, undefined])), ...inputs });
  }
}

type Declare = (name: string, args: tokens.TokenArgs) => Record<string, pulumi.Output<unknown>>;
const dynamicToken: Declare = (name, args) =>
  new tokens.Token(name, args) as unknown as Record<string, pulumi.Output<unknown>>;
const pluginToken: Declare = (name, args) =>
  new PluginToken(name, args as pulumi.Inputs) as unknown as Record<string, pulumi.Output<unknown>>;

/** One resource per grant, and one whose tokens live no longer than its window. */
function grantsProgram(declare: Declare) {
  return async () => {
    const config = new pulumi.Config();
    const common = { registryUrl: scene.registry.url, rotateBeforeSeconds: 60 };
    const pushPull = [`repository:${REPOSITORY}:pull,push`];
    const basic = declare("basic", { ...common, scopes: pushPull });
    const password = declare("password", { ...common, scopes: pushPull, grantType: "password" });
    const refresh = declare("refresh", {
      ...common,
      scopes: pushPull,
      refreshToken: config.requireSecret("refreshToken"),
    });
    const anonymous = declare("anonymous", {
      ...common,
      scopes: [`repository:${PUBLIC}:pull`],
      grantType: "anonymous",
    });
    const short = declare("short", {
      registryUrl: scene.registry.url,
      scopes: [`repository:${REPOSITORY}:pull`],
    });
    return {
      basicConfig: basic.dockerConfigJson,
      basicToken: basic.token,
      basicRealm: basic.realm,
      basicService: basic.service,
      passwordConfig: password.dockerConfigJson,
      refreshConfig: refresh.dockerConfigJson,
      anonymousConfig: anonymous.dockerConfigJson,
      anonymousAccess: anonymous.access,
      shortConfig: short.dockerConfigJson,
      shortToken: short.token,
    };
  };
}

/** The two front doors: the dynamic resource class, and the plugin's type with its provider config. */
const FLAVOURS = [
  {
    name: "registry.Token (dynamic resource)",
    dynamic: true,
    projectName: "registry-token",
    declare: dynamicToken,
    env: (): Record<string, string> => ({}),
    configKey: (setting: string) => `registry:${setting}`,
  },
  {
    name: "tokens:registry:Token (provider plugin)",
    dynamic: false,
    projectName: "registry-token-plugin",
    declare: pluginToken,
    env: (): Record<string, string> => pluginEnv(),
    configKey: (setting: string) => `tokens:registry${setting[0]?.toUpperCase()}${setting.slice(1)}`,
  },
];

describe.skipIf(!tools.present)("registry.Token through the engine, verified by the real registry", () => {
  it.each(FLAVOURS)(
    "$name: every grant: up creates, crane pushes and pulls with each token, plain up calls nothing but the short-lived one, destroy forgets",
    async (flavour) => {
      const started = Date.now();
      const { ci } = scene.emu.seeds.registry;
      const { refresh_token: refreshToken } = await directToken(
        ci,
        `scope=repository:${REPOSITORY}:pull&offline_token=true&client_id=test`,
      );
      const stack = await TestStack.open({
        projectName: flavour.projectName,
        program: grantsProgram(flavour.declare),
        env: flavour.env(),
        config: {
          [flavour.configKey("username")]: { value: ci.username },
          [flavour.configKey("password")]: { value: ci.password, secret: true },
          [flavour.configKey("caCertificate")]: { value: String(scene.emu.caCertificate) },
          refreshToken: { value: String(refreshToken), secret: true },
        },
      });
      const known = new Set<string>([ci.password, String(refreshToken)]);
      try {
        const created = await stack.up();
        expect(created.changes).toEqual({ create: 6 });
        // The challenges went to the real registry; the emulator saw the token requests: Basic GET (basic,
        // short), anonymous GET, and the two OAuth2 POSTs (password, refresh_token).
        expect(drainRequests()).toEqual([
          "GET registry.tokenGet 200",
          "GET registry.tokenGet 200",
          "GET registry.tokenGet 200",
          "POST registry.tokenPost 200",
          "POST registry.tokenPost 200",
        ]);
        for (const key of [
          "basicConfig",
          "basicToken",
          "passwordConfig",
          "refreshConfig",
          "anonymousConfig",
          "shortConfig",
        ]) {
          expect(created.outputs[key]?.secret, key).toBe(true);
          known.add(text(created, key));
        }
        expect(text(created, "basicRealm")).toBe(scene.registry.realm);
        expect(text(created, "basicService")).toBe(SERVICE);
        expect(dockerConfig(created, "basicConfig")).toEqual({
          auths: { [scene.registry.host]: { registrytoken: text(created, "basicToken") } },
        });
        expect(created.outputs.anonymousAccess?.value).toEqual([
          { type: "repository", name: PUBLIC, actions: ["pull"] },
        ]);

        // The real registry verifies each JWT: push and pull team/app with each grant's token.
        for (const grant of ["basic", "password", "refresh"]) {
          const config = dockerConfig(created, `${grant}Config`);
          const pushed = await scene.craneWith(config, [
            "append",
            "-f",
            scene.layer,
            "-t",
            image(`${flavour.projectName}-${grant}`),
          ]);
          expect([grant, pushed.code, pushed.stderr]).toEqual([
            grant,
            0,
            expect.stringContaining("digest: sha256:"),
          ]);
          const digest = await scene.craneWith(config, ["digest", image(`${flavour.projectName}-${grant}`)]);
          expect([grant, digest.code, digest.stdout.trim()]).toEqual([
            grant,
            0,
            pushed.stdout.trim().split("@")[1],
          ]);
        }
        const pulled = await scene.craneWith(dockerConfig(created, "anonymousConfig"), [
          "digest",
          `${scene.registry.host}/${PUBLIC}:latest`,
        ]);
        expect(pulled.code).toBe(0);
        const anonymousPush = await scene.craneWith(dockerConfig(created, "anonymousConfig"), [
          "append",
          "-f",
          scene.layer,
          "-t",
          `${scene.registry.host}/${PUBLIC}:denied`,
        ]);
        expect(anonymousPush.code).toBe(1);
        expect(drainRequests()).toEqual([]);

        // Preview: only the short-lived token rotates, and the engine log says why. No call.
        const preview = await stack.preview({ stderr: true });
        expect(preview.changes).toEqual({ same: 5, update: 1 });
        expect(preview.output).toContain("pulumi-tokens: registry: localhost:");
        expect(preview.output).toContain(
          "rotating: the token lives 300 s, as long as the rotate-before window of 300 s, so every `pulumi up` fetches a new one",
        );
        expect(drainRequests()).toEqual([]);

        // Plain up before rotatesAt: the five others call nothing; the short one asks its stored realm again.
        const again = await stack.up();
        expect(again.changes).toEqual({ same: 5, update: 1 });
        expect(drainRequests()).toEqual(["GET registry.tokenGet 200"]);
        expect(text(again, "basicToken")).toBe(text(created, "basicToken"));
        expect(text(again, "shortToken")).not.toBe(text(created, "shortToken"));
        known.add(text(again, "shortToken"));
        known.add(text(again, "shortConfig"));
        const shortPull = await scene.craneWith(dockerConfig(again, "shortConfig"), [
          "digest",
          image(`${flavour.projectName}-basic`),
        ]);
        expect(shortPull.code).toBe(0);

        await expectNoSecrets(stack, [...known]);
        // The dynamic provider must not store the config's credentials; the plugin's default provider holds its
        // config as the engine does for every provider (encrypted: expectNoSecrets above).
        if (flavour.dynamic) await expectCredentialsNotStored(stack, ["username", "password"], [ci.password]);
        const destroyed = await stack.destroy();
        expect(destroyed.changes).toEqual({ delete: 6 });
        expect(destroyed.output).toContain("the token protocol has no revoke endpoint");
        expect(drainRequests()).toEqual([]);
        // eslint-disable-next-line no-console -- the duration is part of the issue's report
        console.info(`registry-token: ${flavour.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } finally {
        await stack.dispose();
      }
    },
    300_000,
  );

  it("opaque tokens (examples/registry-token): issued, accepted by the emulator's own /v2/, no call on plain up, destroyed", async () => {
    scene.emu.registry.setModes({ tokenFormat: "opaque", tokenLifetimeSeconds: 900 });
    const { ci } = scene.emu.seeds.registry;
    const stack = await TestStack.open({
      projectName: "registry-token-opaque",
      program,
      config: {
        registryUrl: { value: scene.emu.url },
        scope: { value: `repository:${REPOSITORY}:pull` },
        "registry:username": { value: ci.username },
        "registry:password": { value: ci.password, secret: true },
        "registry:caCertificate": { value: String(scene.emu.caCertificate) },
      },
    });
    try {
      const created = await stack.up();
      expect(created.changes).toEqual({ create: 2 });
      expect(drainRequests()).toEqual(["GET registry.challenge 401", "GET registry.tokenGet 200"]);
      const token = text(created, "token");
      expect(token).toMatch(/^[0-9A-Za-z]{40,}$/);
      expect(Date.parse(text(created, "expiresAt")) - Date.parse(text(created, "issuedAt"))).toBe(900_000);
      expect(created.outputs.access?.value).toEqual([
        { type: "repository", name: REPOSITORY, actions: ["pull"] },
      ]);
      const v2 = await httpsCall(`${scene.emu.url}/v2/`, {
        ca: scene.emu.caCertificate,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(v2.status).toBe(200);
      scene.emu.clearRequests();

      const again = await stack.up();
      expect(again.changes).toEqual({ same: 2 });
      expect(drainRequests()).toEqual([]);
      await expectNoSecrets(stack, [token, ci.password]);
      expect((await stack.destroy()).changes).toEqual({ delete: 2 });
    } finally {
      scene.emu.registry.resetModes();
      await stack.dispose();
    }
  }, 120_000);
});
