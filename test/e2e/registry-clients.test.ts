// icp.RegistryToken proven with real parts on both sides of the token (issue 30): the real engine
// creates the tokens against the emulator (the token server), the real CNCF distribution registry
// verifies them (token auth trusting the emulator's JWKS), and crane pushes and pulls with each
// documented form. Once for the dynamic resource, once for the plugin type `tokens:icp:RegistryToken`.
//
// The registry and crane are built by scripts/ensure-registry.sh (cached; ~5 min cold). Without Go:
// under CI=true this file fails, elsewhere it prints a SKIPPED line.
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { icp } from "pulumi-tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator/index.ts";
import { RESOURCES } from "../../src/plugin/resources.ts";
import { type OperationResult, TestStack } from "../harness/engine.ts";
import { pluginEnv } from "../harness/plugin.ts";
import {
  type RegistryScene,
  type RunningRegistry,
  registryBinariesFor,
  startRegistryScene,
} from "../harness/registry.ts";
import { expectCredentialsNotStored, expectNoSecrets } from "../harness/secrets.ts";

const tools = await registryBinariesFor("test/e2e/registry-clients.test.ts");
const SERVICE = "token-service";
const REPOSITORY = "ns/app";

let scene: RegistryScene;
let emu: Emulator;
let registry: RunningRegistry;
let work: string;
let layer: string;

beforeAll(async () => {
  if (!tools.present) return;
  scene = await startRegistryScene(tools, { service: SERVICE });
  ({ emu, registry, work, layer } = scene);
}, 1_300_000);

afterAll(async () => {
  await scene?.stop();
});

/** crane with the emulator CA as its only trust and `configJson` (text, verbatim) as its docker config. */
const craneWith = (configJson: string, args: string[]) => scene.craneWith(configJson, args);

const image = (tag: string) => `${registry.host}/${REPOSITORY}:${tag}`;
const push = (tag: string) => ["append", "-f", layer, "-t", image(tag)];

/** The icp requests since the last call, as `METHOD route status`, and clears the log. */
function drainRequests(): string[] {
  const seen = emu.requestsFor("icp").map((entry) => `${entry.method} ${entry.route} ${entry.status}`);
  emu.clearRequests();
  return seen;
}

/** The message crane prints when the registry refuses a push of `tag` for want of the push action. */
const deniedPush = (tag: string) =>
  `Error: pushing image ${image(tag)}: PUT ${registry.url}/v2/${REPOSITORY}/manifests/${tag}: ` +
  `UNAUTHORIZED: authentication required; [map[Action:pull Class: Name:${REPOSITORY} Type:repository] ` +
  `map[Action:push Class: Name:${REPOSITORY} Type:repository]]`;

/** The message `crane digest` prints when the registry refuses the token of a pull of `tag`. */
const refusedPull = (tag: string) =>
  `Error: GET ${registry.url}/v2/${REPOSITORY}/manifests/${tag}: ` +
  `UNAUTHORIZED: authentication required; [map[Action:pull Class: Name:${REPOSITORY} Type:repository]]`;

/** The two tokens of the program, by the way they are declared. */
type Flavour = {
  name: string;
  dynamic: boolean;
  projectName: string;
  env: () => Record<string, string>;
  config: () => Record<string, { value: string; secret?: boolean }>;
  program: () => Promise<Record<string, unknown>>;
};

/** A resource of the plugin, by type token (every declared output readable). */
class PluginToken extends pulumi.CustomResource {
  constructor(type: string, name: string, inputs: pulumi.Inputs) {
    const outputs = RESOURCES[type]?.outputs ?? [];
    super(type, name, { ...Object.fromEntries(outputs.map((key) => [key, undefined])), ...inputs });
  }
  output(key: string): pulumi.Output<unknown> {
    return (this as unknown as Record<string, pulumi.Output<unknown>>)[key] as pulumi.Output<unknown>;
  }
}

/**
 * Inputs of the tokens: push+pull, pull-only (its rotationTrigger comes from config `trigger`), and a pull
 * token for another service than the registry's (so with another `aud`).
 */
function tokenInputs() {
  const trigger = new pulumi.Config().get("trigger") ?? "0";
  return {
    pushPull: { scope: `repository:${REPOSITORY}:pull,push`, registry: registry.host, service: SERVICE },
    pullOnly: {
      scope: `repository:${REPOSITORY}:pull`,
      registry: registry.host,
      service: SERVICE,
      rotationTrigger: trigger,
    },
    otherService: {
      scope: `repository:${REPOSITORY}:pull`,
      registry: registry.host,
      service: "another-registry",
    },
  };
}

const FLAVOURS: Flavour[] = [
  {
    name: "icp.RegistryToken (dynamic resource)",
    dynamic: true,
    projectName: "registry-clients",
    env: () => ({}),
    config: () => ({
      "icp:clusterUrl": { value: emu.url },
      "icp:username": { value: emu.seeds.icp.username },
      "icp:password": { value: emu.seeds.icp.password, secret: true },
      "icp:caCertificate": { value: String(emu.caCertificate) },
    }),
    program: async () => {
      const inputs = tokenInputs();
      const pushPull = new icp.RegistryToken("push-pull", inputs.pushPull);
      const pullOnly = new icp.RegistryToken("pull-only", inputs.pullOnly);
      const otherService = new icp.RegistryToken("other-service", inputs.otherService);
      return {
        pushToken: pushPull.token,
        pushConfig: pushPull.dockerConfigJson,
        pullToken: pullOnly.token,
        pullConfig: pullOnly.dockerConfigJson,
        pullExpiresAt: pullOnly.expiresAt,
        pullAccess: pullOnly.access,
        otherConfig: otherService.dockerConfigJson,
      };
    },
  },
  {
    name: "tokens:icp:RegistryToken (provider plugin)",
    dynamic: false,
    projectName: "registry-clients-plugin",
    env: () => pluginEnv(),
    config: () => ({
      "tokens:icpClusterUrl": { value: emu.url },
      "tokens:icpUsername": { value: emu.seeds.icp.username },
      "tokens:icpPassword": { value: emu.seeds.icp.password, secret: true },
      "tokens:icpCaCertificate": { value: String(emu.caCertificate) },
    }),
    program: async () => {
      const inputs = tokenInputs();
      const type = "tokens:icp:RegistryToken";
      const pushPull = new PluginToken(type, "push-pull", inputs.pushPull);
      const pullOnly = new PluginToken(type, "pull-only", inputs.pullOnly);
      const otherService = new PluginToken(type, "other-service", inputs.otherService);
      return {
        pushToken: pushPull.output("token"),
        pushConfig: pushPull.output("dockerConfigJson"),
        pullToken: pullOnly.output("token"),
        pullConfig: pullOnly.output("dockerConfigJson"),
        pullExpiresAt: pullOnly.output("expiresAt"),
        pullAccess: pullOnly.output("access"),
        otherConfig: otherService.output("dockerConfigJson"),
      };
    },
  },
];

const text = (result: OperationResult, key: string) => String(result.outputs[key]?.value);

describe.skipIf(!tools.present)(
  "registry tokens used by crane through the CNCF distribution registry",
  () => {
    it.each(FLAVOURS)(
      "$name: Bearer token and docker config push and pull; pull-only cannot push; expired refused, next up works",
      async (flavour) => {
        const started = Date.now();
        const stack = await TestStack.open({
          projectName: flavour.projectName,
          program: flavour.program,
          config: flavour.config(),
          env: flavour.env(),
        });
        const known = new Set<string>([emu.seeds.icp.password]);
        const tag = flavour.projectName;
        try {
          emu.clearRequests();
          const created = await stack.up();
          expect(created.changes).toEqual({ create: 4 });
          for (const key of ["pushToken", "pushConfig", "pullToken", "pullConfig", "otherConfig"]) {
            expect(created.outputs[key]?.secret, key).toBe(true);
            known.add(text(created, key));
          }
          expect(created.outputs.pullAccess?.value).toEqual([
            { type: "repository", name: REPOSITORY, actions: ["pull"] },
          ]);
          const pushToken = text(created, "pushToken");
          expect(JSON.parse(text(created, "pushConfig"))).toEqual({
            auths: { [registry.host]: { registrytoken: pushToken } },
          });
          drainRequests();

          // 1. The raw `token` as `Authorization: Bearer` (docker config HttpHeaders: crane has no flag for it).
          //    crane then asks the token server for nothing.
          const bearer = JSON.stringify({ HttpHeaders: { Authorization: `Bearer ${pushToken}` } });
          const pushedRaw = await craneWith(bearer, push(`${tag}-raw`));
          expect(pushedRaw.stderr).toContain(`${image(`${tag}-raw`)}: digest: sha256:`);
          expect(pushedRaw.code).toBe(0);
          const pulledRaw = await craneWith(bearer, ["digest", image(`${tag}-raw`)]);
          expect([pulledRaw.code, pulledRaw.stdout.trim()]).toEqual([
            0,
            pushedRaw.stdout.trim().split("@")[1],
          ]);

          // 2. `dockerConfigJson` written verbatim to $DOCKER_CONFIG/config.json, as docs/icp.md shows.
          const pushed = await craneWith(text(created, "pushConfig"), push(tag));
          expect(pushed.code).toBe(0);
          const digest = pushed.stdout.trim().split("@")[1];
          expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
          const pulled = await craneWith(text(created, "pullConfig"), [
            "pull",
            image(tag),
            join(work, `${tag}.tar`),
          ]);
          expect([pulled.code, pulled.stderr]).toEqual([0, ""]);
          const pulledDigest = await craneWith(text(created, "pullConfig"), ["digest", image(tag)]);
          expect([pulledDigest.code, pulledDigest.stdout.trim()]).toEqual([0, digest]);
          expect(drainRequests()).toEqual([]);

          // 3. The pull-only token may not push: the registry refuses the manifest PUT.
          const denied = await craneWith(text(created, "pullConfig"), push(`${tag}-denied`));
          expect(denied.code).toBe(1);
          expect(denied.stderr.trim().split("\n").at(-1)).toBe(deniedPush(`${tag}-denied`));

          // 4. The JWT as a password (the form 0.1.x wrote) cannot work: crane redoes the token exchange with
          //    Basic user:JWT, which the token server refuses.
          const asPassword = JSON.stringify({
            auths: { [registry.host]: { username: emu.seeds.icp.username, password: pushToken } },
          });
          const refused = await craneWith(asPassword, ["digest", image(tag)]);
          expect(refused.code).toBe(1);
          expect(refused.stderr).toContain(
            `GET ${registry.realm}?scope=repository%3A${encodeURIComponent(REPOSITORY)}%3Apull&service=${SERVICE}: ` +
              "UNAUTHORIZED: authentication required",
          );
          expect(drainRequests()).toContain("GET icp.registryToken 401");

          // 5. A token for another service carries another `aud`: the registry refuses it.
          let logFrom = registry.log().length;
          const otherAudience = await craneWith(text(created, "otherConfig"), ["digest", image(tag)]);
          expect(otherAudience.code).toBe(1);
          expect(otherAudience.stderr.trim().split("\n").at(-1)).toBe(refusedPull(tag));
          expect(registry.log().slice(logFrom)).toContain("token intended for another audience");

          // 6. An expired token is refused by the registry (real time, 60 s leeway): issue one with both clocks
          //    2 h back, then the next `up` on real time sees it expired and fetches one that works.
          const past = new Date(Date.now() - 2 * 3_600_000);
          stack.setNow(past);
          emu.clock.set(past);
          await stack.stack.setConfig("trigger", { value: "1" });
          const stale = await stack.up();
          expect(stale.changes).toEqual({ same: 3, update: 1 });
          known.add(text(stale, "pullToken"));
          known.add(text(stale, "pullConfig"));
          expect(Date.parse(text(stale, "pullExpiresAt"))).toBe(
            Math.floor(past.getTime() / 1000) * 1000 + 1_800_000,
          );
          logFrom = registry.log().length;
          const expired = await craneWith(text(stale, "pullConfig"), ["digest", image(tag)]);
          expect(expired.code).toBe(1);
          expect(expired.stderr.trim().split("\n").at(-1)).toBe(refusedPull(tag));
          expect(registry.log().slice(logFrom)).toContain("token not to be used after");

          stack.setEnv("PULUMI_TOKENS_NOW", undefined);
          emu.clock.useRealTime();
          emu.clearRequests();
          const renewed = await stack.up();
          expect(renewed.changes).toEqual({ same: 3, update: 1 });
          expect(drainRequests()).toEqual(["POST icp.identityToken 200", "GET icp.registryToken 200"]);
          known.add(text(renewed, "pullToken"));
          known.add(text(renewed, "pullConfig"));
          expect(text(renewed, "pullToken")).not.toBe(text(stale, "pullToken"));
          const again = await craneWith(text(renewed, "pullConfig"), ["digest", image(tag)]);
          expect([again.code, again.stdout.trim()]).toEqual([0, digest]);

          // No token, docker config or password in plaintext: state at rest and engine output.
          await expectNoSecrets(stack, [...known]);
          // The dynamic provider must not store the config's credentials; the plugin's default provider
          // holds its config as the engine does for every provider (encrypted: expectNoSecrets above).
          if (flavour.dynamic) {
            await expectCredentialsNotStored(
              stack,
              ["username", "password", "idToken"],
              [emu.seeds.icp.password],
            );
          }
          const destroyed = await stack.destroy();
          expect(destroyed.changes).toEqual({ delete: 4 });
          // eslint-disable-next-line no-console -- the duration is part of the issue's report
          console.info(`registry-clients: ${flavour.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        } finally {
          await stack.dispose();
        }
      },
      240_000,
    );
  },
);
