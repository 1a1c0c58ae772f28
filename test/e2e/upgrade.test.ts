// A stack written by pulumi-tokens 0.1.0 (test/fixtures/state-0.1.0, a real `pulumi stack export` with its
// 2.7 KB serialized shims), imported and driven by the current package through the real engine: a plain
// `pulumi up` changes nothing and calls no API, a due RegistryToken renews in place, and refresh and destroy,
// which run the OLD stored `__provider` text, work through the current `pulumi-tokens/providers`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Deployment } from "@pulumi/pulumi/automation/index.js";
import { afterAll, describe, expect, it } from "vitest";
import { providerSource } from "../../src/core/provider-shim.ts";
import { type Emulator, type NetbirdTokenInfo, startEmulator } from "../../src/emulator/index.ts";
import {
  fixtureConfig,
  PLAIN_PORT,
  PROJECT,
  ROTATED,
  STACK,
  TLS_PORT,
  TYPES,
} from "../fixtures/state-0.1.0/fixture.ts";
import program from "../fixtures/state-0.1.0/program.ts";
import { TestStack } from "../harness/engine.ts";

const FIXTURE = join(import.meta.dirname, "../fixtures/state-0.1.0");
const exported = JSON.parse(readFileSync(join(FIXTURE, "stack.json"), "utf8")) as Deployment;
const seed = JSON.parse(readFileSync(join(FIXTURE, "seed.json"), "utf8")) as {
  now: string;
  netbirdRotation: string;
  netbird: { userId: string; tokens: NetbirdTokenInfo[] };
};

interface StoredResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** A secret in `stack export --show-secrets` output: `{ <sig>: <secret sig>, plaintext: "<JSON>" }`. */
const plaintext = (value: unknown): unknown =>
  typeof value === "object" && value !== null && "plaintext" in value
    ? JSON.parse(String((value as { plaintext: unknown }).plaintext))
    : value;

/** The token resources of a deployment (`Deployment.deployment`). */
const resourcesOf = (deployment: unknown) =>
  (deployment as { resources: StoredResource[] }).resources.filter((resource) =>
    Object.values(TYPES).includes(resource.type as (typeof TYPES)[keyof typeof TYPES]),
  );

const byType = (resources: StoredResource[], type: string): StoredResource => {
  const found = resources.find((resource) => resource.type === type);
  if (!found) throw new Error(`no ${type}`);
  return found;
};

let plain: Emulator | undefined;
let tls: Emulator | undefined;
let stack: TestStack | undefined;
afterAll(async () => {
  await stack?.dispose();
  await plain?.close();
  await tls?.close();
});

describe("upgrading a stack made by pulumi-tokens 0.1.0", () => {
  it("the fixture is the 0.1.0 state: serialized shims of about 2.7 KB, secrets encrypted", () => {
    const resources = resourcesOf(exported.deployment);
    expect(resources.map((resource) => resource.type).sort()).toEqual(Object.values(TYPES).sort());
    for (const resource of resources) {
      expect(String(resource.outputs?.__provider).length).toBeGreaterThan(2000);
      expect(resource.inputs?.__provider).toBe(resource.outputs?.__provider);
    }
    const text = JSON.stringify(exported);
    expect(text).toContain('"ciphertext"');
    expect(text).not.toMatch(/nbp_[A-Za-z0-9]{36}/);
    expect(seed.now).toBe(ROTATED.toISOString());
  });

  it("plain up: all same, no API call; refresh and destroy run the old stored provider text", async () => {
    plain = await startEmulator({ now: ROTATED, port: PLAIN_PORT });
    tls = await startEmulator({ now: ROTATED, port: TLS_PORT, tls: true });
    stack = await TestStack.open({
      projectName: PROJECT,
      stackName: STACK,
      program,
      config: fixtureConfig(plain, tls, seed.netbirdRotation),
    });
    stack.setNow(ROTATED);
    await stack.stack.importStack(exported);

    // The emulator is in-memory: put back the NetBird PATs the state refers to (plain tokens from the
    // state, decrypted with the tests' passphrase).
    const decrypted = resourcesOf(await stack.decryptedDeployment());
    const pat = byType(decrypted, TYPES.netbird).outputs ?? {};
    expect(pat.previousTokenId).toBeTruthy();
    const plainTokens: Record<string, unknown> = {
      [String(pat.tokenId)]: plaintext(pat.token),
      [String(pat.previousTokenId)]: plaintext(pat.previousToken),
    };
    expect(seed.netbird.tokens.map((token) => token.id).sort()).toEqual(Object.keys(plainTokens).sort());
    for (const token of seed.netbird.tokens) {
      plain.netbird.seedToken({
        ...token,
        userId: seed.netbird.userId,
        plainToken: String(plainTokens[token.id]),
      });
    }
    plain.clearRequests();
    tls.clearRequests();

    // 1. plain `pulumi up` with the current package: nothing changes, no API call
    const same = await stack.up();
    expect(same.changes).toEqual({ same: 4 });
    expect(plain.requests).toEqual([]);
    expect(tls.requests).toEqual([]);
    const afterUp = resourcesOf(await stack.decryptedDeployment());
    for (const type of Object.values(TYPES)) {
      const old = byType(decrypted, type);
      const now = byType(afterUp, type);
      expect(now.urn).toBe(old.urn);
      expect(now.id).toBe(old.id);
      // A same step keeps the old outputs, the old `__provider` included; the inputs carry the new one.
      expect(now.outputs).toEqual(old.outputs);
      expect(String(now.outputs?.__provider).length).toBeGreaterThan(2000);
      expect(now.inputs?.__provider).toBe(
        providerSource("pulumi-tokens/providers", type.split(/[/:]/)[2] ?? ""),
      );
    }
    expect(same.outputs.netbirdTokenId?.value).toBe(pat.tokenId);
    expect(same.outputs.netbirdToken?.value).toBe(plaintext(pat.token));

    // 2. refresh: read runs the 0.1.0 shim from the outputs, which loads the current providers
    const refreshed = await stack.refresh();
    expect(refreshed.changes.delete ?? 0).toBe(0);
    expect(refreshed.changes.create ?? 0).toBe(0);
    expect(plain.requestsFor("netbird").map((entry) => `${entry.route} ${entry.status}`)).toContain(
      "netbird.getToken 200",
    );
    expect(plain.requestsFor("netbird").every((entry) => entry.status === 200)).toBe(true);
    expect(plain.requestsFor("gcore").map((entry) => `${entry.route} ${entry.status}`)).toEqual([
      "gcore.getUser 200",
    ]);
    expect(tls.requests).toEqual([]);
    const afterRefresh = resourcesOf(await stack.decryptedDeployment());
    const refreshedPat = byType(afterRefresh, TYPES.netbird).outputs ?? {};
    // Rewritten in the compact form: no defaults ("active", revokePrevious false), no rotatesAt.
    expect(refreshedPat).not.toHaveProperty("status");
    expect(refreshedPat).not.toHaveProperty("revokePrevious");
    expect(refreshedPat).not.toHaveProperty("rotatesAt");
    expect(refreshedPat.tokenId).toBe(pat.tokenId);
    expect(refreshedPat.previousTokenId).toBe(pat.previousTokenId);
    expect(refreshedPat.__provider).toBe(pat.__provider);
    // The Gcore pair is one secret now, not two.
    const oldUserToken = byType(decrypted, TYPES.gcore).outputs ?? {};
    const refreshedUserToken = byType(afterRefresh, TYPES.gcore).outputs ?? {};
    expect(refreshedUserToken).not.toHaveProperty("accessToken");
    expect(plaintext(refreshedUserToken.secrets)).toEqual({
      accessToken: plaintext(oldUserToken.accessToken),
      refreshToken: plaintext(oldUserToken.refreshToken),
    });

    // The RegistryToken's docker config is rebuilt in the registrytoken form (0.1.0 stored username/password).
    const oldRegistry = byType(decrypted, TYPES.icp).outputs ?? {};
    const refreshedRegistry = byType(afterRefresh, TYPES.icp).outputs ?? {};
    const registryToken = plaintext(oldRegistry.token);
    expect(JSON.parse(String(plaintext(oldRegistry.dockerConfigJson)))).toMatchObject({
      auths: { [String(oldRegistry.registry)]: { password: registryToken } },
    });
    expect(plaintext(refreshedRegistry.secrets)).toEqual({
      token: registryToken,
      dockerConfigJson: JSON.stringify({
        auths: { [String(oldRegistry.registry)]: { registrytoken: registryToken } },
      }),
    });

    // 3. plain `pulumi up` on the compact state: still all same, no API call, the same outputs
    plain.clearRequests();
    const again = await stack.up();
    expect(again.changes).toEqual({ same: 4 });
    expect(plain.requests).toEqual([]);
    expect(tls.requests).toEqual([]);
    for (const key of ["netbirdRotatesAt", "gcoreAccessToken", "gcoreRotatesAt", "registryRotatesAt"]) {
      expect(again.outputs[key]?.value, key).toEqual(same.outputs[key]?.value);
    }
    expect(again.outputs.gcoreAccessToken?.secret).toBe(true);
    expect(again.outputs.netbirdRotatesAt?.secret).toBe(false);
    plain.clearRequests();

    // 3b. at the RegistryToken's rotatesAt the current code renews the 0.1.0 token in place
    const due = new Date(String(again.outputs.registryRotatesAt?.value));
    stack.setNow(due);
    plain.clock.set(due);
    tls.clock.set(due);
    tls.clearRequests();
    const renewed = await stack.up();
    expect(renewed.changes).toEqual({ same: 3, update: 1 });
    expect(tls.requestsFor("icp").map((entry) => `${entry.route} ${entry.status}`)).toEqual([
      "icp.identityToken 200",
      "icp.registryToken 200",
    ]);
    expect(renewed.outputs.registryToken?.value).not.toBe(registryToken);
    plain.clearRequests();

    // 4. destroy: delete runs the 0.1.0 shim too, and revokes both NetBird tokens
    const destroyed = await stack.destroy();
    expect(destroyed.changes).toEqual({ delete: 4 });
    expect(plain.requestsFor("netbird").map((entry) => `${entry.route} ${entry.status}`)).toEqual([
      "netbird.deleteToken 200",
      "netbird.deleteToken 200",
    ]);
    expect(plain.netbird.tokens(seed.netbird.userId)).toEqual([]);
  }, 300_000);
});
