// Issue #8 through the real engine: secret inputs never printed by check failures, a refused NetBird
// credential never read as "gone", expiresInDays in place, replacements create before they revoke,
// a 429 on create absorbed, and settings from config/env checked at preview naming their source.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { gcore, icp, netbird } from "pulumi-tokens";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { TestStack } from "../harness/engine.ts";

const T0 = new Date("2030-01-01T00:00:00Z");
const TYPE = "pulumi-nodejs:dynamic/netbird:PersonalAccessToken";

let emu: Emulator;
beforeEach(async () => {
  emu = await startEmulator({ now: T0 });
});
afterEach(async () => emu?.close());

const routes = (vendor: "netbird" | "gcore" | "icp") => {
  const seen = emu.requestsFor(vendor).map((entry) => `${entry.route} ${entry.status}`);
  emu.clearRequests();
  return seen;
};
const live = () => emu.netbird.tokens("svc-ci").map((token) => `${token.name}:${token.id}`);

/** Runs `pulumi preview` and returns what the engine printed when it failed. */
async function failedPreview(stack: TestStack): Promise<string> {
  const error = await stack.preview().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return `${stack.transcript.join("")}\n${String((error as Error).message)}`;
}

describe("check failures never print a secret input", () => {
  // A well-formed NetBird token whose checksum is wrong; a secret that must never be shown.
  const BAD_CHECKSUM = "nbp_SeCrEtSeCrEtSeCrEtSeCrEtSeCrEt000000";
  const cases: { name: string; property: string; secret: string; declare: () => void }[] = [
    {
      name: "netbird apiToken with a scheme prefix",
      property: "apiToken",
      secret: "nbp_PrefixedSecretPrefixedSecret123456",
      declare: () =>
        new netbird.PersonalAccessToken("t", {
          userId: "svc-ci",
          name: "ci",
          expiresInDays: 30,
          managementUrl: emu.url,
          apiToken: pulumi.secret("Token nbp_PrefixedSecretPrefixedSecret123456"),
        }),
    },
    {
      name: "netbird adoptToken with a bad checksum",
      property: "adoptToken",
      secret: BAD_CHECKSUM,
      declare: () =>
        new netbird.PersonalAccessToken("t", {
          userId: "svc-ci",
          name: "ci",
          expiresInDays: 30,
          managementUrl: emu.url,
          apiToken: emu.seeds.netbird.adminToken,
          adoptTokenId: "ch8i54g6lnn4g9hqv7n0",
          adoptToken: pulumi.secret(BAD_CHECKSUM),
        }),
    },
    {
      name: "gcore apiKey with a scheme prefix",
      property: "apiKey",
      secret: "77_GcoreSecretValue",
      declare: () =>
        new gcore.UserToken("t", { userId: 1234, apiUrl: emu.url, apiKey: "APIKey 77_GcoreSecretValue" }),
    },
    {
      name: "icp password combined with an idToken",
      property: "idToken",
      secret: "IcpSecretPassword",
      declare: () =>
        new icp.RegistryToken("t", {
          clusterUrl: "https://mycluster.icp:8443",
          username: "admin",
          password: "IcpSecretPassword",
          idToken: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
        }),
    },
    {
      name: "icp idToken that is not a JWT",
      property: "idToken",
      secret: "opaque-icp-id-token-secret",
      declare: () =>
        new icp.RegistryToken("t", {
          clusterUrl: "https://mycluster.icp:8443",
          idToken: "opaque-icp-id-token-secret",
        }),
    },
  ];

  it("for every secret input of every resource: the reason names it, the value never appears", async () => {
    let current = cases[0];
    const stack = await TestStack.open({
      projectName: "secret-failures",
      program: async () => current?.declare(),
    });
    try {
      for (const entry of cases) {
        current = entry;
        stack.transcript.length = 0;
        const printed = await failedPreview(stack);
        expect([entry.name, printed]).toEqual([entry.name, expect.stringContaining(`"${entry.property}"`)]);
        expect(printed).not.toContain(entry.secret);
        expect(printed).not.toMatch(/property \w+ value/);
      }
      expect([...routes("netbird"), ...routes("gcore"), ...routes("icp")]).toEqual([]);
    } finally {
      await stack.dispose();
    }
  }, 120_000);
});

describe("netbird: settings from stack config and environment are checked at preview", () => {
  it("a prefixed netbird:apiToken and a bad NB_MANAGEMENT_URL fail naming their sources, with zero requests", async () => {
    const stack = await TestStack.open({
      projectName: "netbird-settings",
      program: async () => {
        new netbird.PersonalAccessToken("t", { userId: "svc-ci", name: "ci", expiresInDays: 30 });
      },
      config: { "netbird:apiToken": { value: `Token ${emu.seeds.netbird.adminToken}`, secret: true } },
      env: { NB_MANAGEMENT_URL: `${emu.url}/api` },
    });
    try {
      const printed = await failedPreview(stack);
      expect(printed).toContain(
        '"managementUrl" must be the server\'s base URL, without the "/api" path (from the environment variable NB_MANAGEMENT_URL)',
      );
      expect(printed).toContain(
        '"apiToken" must be the token itself, without a "Token " or "Bearer " prefix (from the stack config "netbird:apiToken")',
      );
      expect(printed).not.toContain(emu.seeds.netbird.adminToken);
      expect(routes("netbird")).toEqual([]);
    } finally {
      await stack.dispose();
    }
  }, 60_000);
});

describe("netbird: a refused admin credential never drops a live token", () => {
  it("up --refresh and destroy fail naming the credential's source; state and token are kept", async () => {
    const admin = await fetch(`${emu.url}/api/users/user-admin/tokens`, {
      method: "POST",
      headers: { authorization: `Token ${emu.seeds.netbird.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "automation", expires_in: 365 }),
    }).then(
      async (response) =>
        (await response.json()) as { plain_token: string; personal_access_token: { id: string } },
    );
    const stack = await TestStack.open({
      projectName: "netbird-refused",
      program: async () => {
        new netbird.PersonalAccessToken("t", {
          userId: "svc-ci",
          name: "ci",
          expiresInDays: 30,
          managementUrl: emu.url,
        });
      },
      config: { "netbird:apiToken": { value: admin.plain_token, secret: true } },
      env: { PULUMI_TOKENS_NOW: T0.toISOString() },
    });
    const refused = (action: string) =>
      `netbird: ${action} failed: the API refused the credential "apiToken" from the stack config "netbird:apiToken" (HTTP 404)`;
    try {
      await stack.up();
      const [created] = live();
      expect(created).toMatch(/^ci:/);

      // Someone deletes the automation PAT in the NetBird dashboard.
      emu.netbird.deleteToken("user-admin", admin.personal_access_token.id);
      emu.clearRequests();
      await expect(stack.up({ refresh: true })).rejects.toThrow(refused("get personal access token"));
      await expect(stack.destroy()).rejects.toThrow(refused("delete personal access token"));
      expect(live()).toEqual([created]);
      const state = JSON.parse(await stack.exportedState()) as {
        deployment: { resources: { type: string }[] };
      };
      expect(state.deployment.resources.filter((resource) => resource.type === TYPE)).toHaveLength(1);
      expect(routes("netbird")).toEqual(["netbird.getToken 404", "netbird.deleteToken 404"]);

      // With a valid credential again, a plain up calls nothing and destroy revokes the token.
      await stack.stack.setConfig("netbird:apiToken", { value: emu.seeds.netbird.adminToken, secret: true });
      const same = await stack.up();
      expect(same.changes).toEqual({ same: 2 });
      expect(routes("netbird")).toEqual([]);
      await stack.destroy();
      expect(live()).toEqual([]);
    } finally {
      await stack.dispose();
    }
  }, 120_000);
});

describe("netbird: lifetime changes keep the token, identity changes create before they revoke", () => {
  it("expiresInDays is an in-place update with no request; a new name creates first, then revokes", async () => {
    let args = { name: "ci", expiresInDays: 30 };
    const stack = await TestStack.open({
      projectName: "netbird-replace",
      program: async () => {
        const pat = new netbird.PersonalAccessToken("t", {
          userId: "svc-ci",
          managementUrl: emu.url,
          ...args,
        });
        return { tokenId: pat.tokenId, expiresAt: pat.expiresAt, expiresInDays: pat.expiresInDays };
      },
      config: { "netbird:apiToken": { value: emu.seeds.netbird.adminToken, secret: true } },
      env: { PULUMI_TOKENS_NOW: T0.toISOString() },
    });
    try {
      const created = await stack.up();
      routes("netbird");

      args = { name: "ci", expiresInDays: 90 };
      const changed = await stack.up();
      expect(changed.changes).toEqual({ same: 1, update: 1 });
      expect(routes("netbird")).toEqual([]);
      expect(changed.outputs.tokenId?.value).toBe(created.outputs.tokenId?.value);
      expect(changed.outputs.expiresAt?.value).toBe(created.outputs.expiresAt?.value);
      expect(changed.outputs.expiresInDays?.value).toBe(90);

      args = { name: "ci-renamed", expiresInDays: 90 };
      const replaced = await stack.up();
      expect(replaced.changes).toEqual({ same: 1, replace: 1 });
      expect(routes("netbird")).toEqual([
        "netbird.listTokens 200",
        "netbird.createToken 200",
        "netbird.deleteToken 200",
      ]);
      expect(live()).toEqual([`ci-renamed:${String(replaced.outputs.tokenId?.value)}`]);
      await stack.destroy();
    } finally {
      await stack.dispose();
    }
  }, 120_000);

  it("a create refused with 429 is retried after Retry-After and creates one token", async () => {
    const stack = await TestStack.open({
      projectName: "netbird-429",
      program: async () => {
        new netbird.PersonalAccessToken("t", {
          userId: "svc-ci",
          name: "ci",
          expiresInDays: 30,
          managementUrl: emu.url,
        });
      },
      config: { "netbird:apiToken": { value: emu.seeds.netbird.adminToken, secret: true } },
    });
    try {
      emu.faults.inject("netbird.createToken", { kind: "status", status: 429, retryAfter: 1 }, 2);
      const created = await stack.up();
      expect(created.changes).toEqual({ create: 2 });
      expect(routes("netbird")).toEqual([
        "netbird.listTokens 200",
        "netbird.createToken 429",
        "netbird.createToken 429",
        "netbird.createToken 200",
      ]);
      expect(live()).toHaveLength(1);
      await stack.destroy();
    } finally {
      await stack.dispose();
    }
  }, 60_000);
});

describe("gcore: a private CA from gcore:caCertificate", () => {
  it("issues a pair over TLS from an emulator whose CA only the stack config knows", async () => {
    const tls = await startEmulator({ now: T0, tls: true });
    const stack = await TestStack.open({
      projectName: "gcore-tls",
      program: async () => {
        const pair = new gcore.UserToken("t", { userId: tls.seeds.gcore.userId });
        return { apiUrl: pair.apiUrl };
      },
      config: {
        "gcore:apiUrl": { value: tls.url },
        "gcore:apiKey": { value: tls.seeds.gcore.resellerApiKey, secret: true },
        "gcore:caCertificate": { value: String(tls.caCertificate) },
      },
    });
    try {
      const created = await stack.up();
      expect(created.changes).toEqual({ create: 2 });
      expect(created.outputs.apiUrl?.value).toBe(tls.url);
      expect(tls.requestsFor("gcore").map((entry) => entry.route)).toEqual(["gcore.userToken"]);
      await stack.destroy();
    } finally {
      await stack.dispose();
      await tls.close();
    }
  }, 60_000);
});
