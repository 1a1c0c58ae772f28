// The plugin's operations on property bags, without the engine: config mapped onto the settings,
// secrets in and out, the detailed diff, previews, import, and errors as one line.
import { describe, expect, it } from "vitest";
import { UNKNOWN_VALUE } from "../../src/core/check.ts";
import { lookupSetting } from "../../src/core/settings.ts";
import { settingSource as gcoreSettings } from "../../src/gcore/settings.ts";
import { settingSource as icpSettings } from "../../src/icp/settings.ts";
import { settingSource as netbirdSettings } from "../../src/netbird/settings.ts";
import { settingSource as registrySettings } from "../../src/registry/settings.ts";
import { configFailures, SETTINGS, stackConfigOf } from "../../src/plugin/config.ts";
import { DiffKind, PluginProvider } from "../../src/plugin/provider.ts";
import {
  isSecret,
  SECRET_SIG,
  secret,
  SIG_KEY,
  unwrapSecrets,
  wrapSecrets,
} from "../../src/plugin/secrets.ts";
import { RESOURCES } from "../../src/plugin/resources.ts";
import { engineAddressOf, typeOf } from "../../src/plugin/server.ts";
import { useProviderEmulator } from "../harness/emulator.ts";

const T0 = new Date("2030-01-01T00:00:00Z");
const DAY = 86_400_000;
const PAT = "tokens:netbird:PersonalAccessToken";
const { emu, notices, setAt } = useProviderEmulator({
  now: T0,
  env: ["NB_PAT", "NB_MANAGEMENT_URL", "GCORE_API_KEY", "GCORE_API_URL", "ICP_CLUSTER_URL"],
});

const wrapped = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

function configured(): PluginProvider {
  const provider = new PluginProvider();
  provider.configure(
    { netbirdManagementUrl: emu.url, netbirdApiToken: wrapped(emu.seeds.netbird.adminToken) },
    new Map(),
  );
  return provider;
}

describe("the plugin's config", () => {
  it("has one tokens: key per vendor setting, named <vendor><Setting>, read where the dynamic resources read <vendor>:<setting>", () => {
    const sources = {
      netbird: netbirdSettings,
      gcore: gcoreSettings,
      icp: icpSettings,
      registry: registrySettings,
    } as const;
    expect(SETTINGS.map((entry) => entry.key)).toEqual([
      "netbirdManagementUrl",
      "netbirdApiToken",
      "netbirdCaCertificate",
      "netbirdRequestsPerMinute",
      "gcoreApiUrl",
      "gcoreApiKey",
      "gcoreCaCertificate",
      "icpClusterUrl",
      "icpUsername",
      "icpPassword",
      "icpIdToken",
      "icpCaCertificate",
      "registryUsername",
      "registryPassword",
      "registryRefreshToken",
      "registryCaCertificate",
    ]);
    for (const entry of SETTINGS) {
      const source = (
        sources[entry.vendor as keyof typeof sources] as (p: never, i: undefined) => { configKey: string }
      )(entry.property as never, undefined);
      expect(source.configKey).toBe(`${entry.vendor}:${entry.property}`);
      expect(entry.configKey).toBe(source.configKey);
    }
    expect(SETTINGS.filter((entry) => entry.secret).map((entry) => entry.key)).toEqual([
      "netbirdApiToken",
      "gcoreApiKey",
      "icpPassword",
      "icpIdToken",
      "registryPassword",
      "registryRefreshToken",
    ]);
  });

  it("maps Configure's arguments (secrets unwrapped) and variables onto the settings; arguments win; env stays the fallback", () => {
    const config = stackConfigOf(
      { netbirdApiToken: "from-args-token", gcoreApiUrl: "https://args.example" },
      new Map([
        ["tokens:gcoreApiUrl", "https://variables.example"],
        ["tokens:config:icpClusterUrl", "https://icp.example:8443"],
        ["tokens:netbirdManagementUrl", ""],
      ]),
    );
    expect(config.get("netbird:apiToken")).toBe("from-args-token");
    expect(config.get("gcore:apiUrl")).toBe("https://args.example");
    expect(config.get("icp:clusterUrl")).toBe("https://icp.example:8443");
    expect(config.get("netbird:managementUrl")).toBeUndefined();

    expect(configFailures({ netbirdApiTokne: "x", gcoreApiKey: "y", version: "0.1.0" })).toEqual([
      {
        property: "",
        reason: expect.stringMatching(
          /^"tokens:netbirdApiTokne" is not a config key of the tokens provider; the keys are tokens:netbirdManagementUrl, /,
        ),
      },
    ]);

    const provider = new PluginProvider();
    provider.configure({ gcoreApiKey: wrapped("77_from-config") }, new Map());
    expect(lookupSetting(gcoreSettings("apiKey", undefined))).toBe("77_from-config");
    process.env.NB_PAT = "nb-from-env-1234";
    expect(lookupSetting(netbirdSettings("apiToken", undefined))).toBe("nb-from-env-1234");
  });
});

describe("secrets on the wire", () => {
  it("unwraps nested secrets, remembering the top-level property, and wraps once", () => {
    const { values, secrets } = unwrapSecrets({
      plain: "a",
      top: wrapped("b"),
      list: [1, wrapped(2)],
      nested: { inner: wrapped({ deep: wrapped("c") }) },
    });
    expect(values).toEqual({ plain: "a", top: "b", list: [1, 2], nested: { inner: { deep: "c" } } });
    expect([...secrets].sort()).toEqual(["list", "nested", "top"]);
    const out = wrapSecrets({ top: "b", absent: undefined, empty: null, plain: "a" }, [
      "top",
      "absent",
      "empty",
    ]);
    expect(out).toEqual({ top: wrapped("b"), absent: undefined, empty: null, plain: "a" });
    expect(secret(secret("x"))).toEqual(wrapped("x"));
    expect(isSecret(wrapped(1))).toBe(true);
  });
});

describe("check, create, diff, update, read and delete of a NetBird token", () => {
  const news = { userId: "svc-ci", name: "ci", expiresInDays: 30, rotateBeforeDays: 20 };

  it("check returns the resolved inputs with the credential inputs and anything that arrived secret wrapped", async () => {
    const provider = configured();
    const checked = await provider.check(
      PAT,
      {},
      { ...news, apiToken: "nbp-given-as-plain", rotationTrigger: wrapped("t1") },
    );
    expect(checked.failures).toEqual([]);
    // Defaults (revokePrevious false) are not stored.
    expect(checked.inputs).toEqual({
      ...news,
      managementUrl: emu.url,
      apiToken: wrapped("nbp-given-as-plain"),
      rotationTrigger: wrapped("t1"),
    });
    const bad = await provider.check(PAT, {}, { ...news, expiresInDays: 400, __defaults: [] });
    expect(bad.failures).toEqual([
      { property: "", reason: '"expiresInDays" must be an integer between 1 and 365' },
    ]);
  });

  it("creates with the token secret, diffs by property (rotation as an update of the credential outputs), rotates, refreshes and revokes", async () => {
    const provider = configured();
    const inputs = (await provider.check(PAT, {}, news)).inputs;
    const created = await provider.create(PAT, inputs);
    expect(created.id).toBe("svc-ci/ci");
    expect(isSecret(created.outs.token)).toBe(true);
    expect(created.outs).not.toHaveProperty("__provider");

    // Nothing due, inputs unchanged.
    expect(await provider.diff(PAT, created.id, created.outs, inputs)).toEqual({
      changes: false,
      replaces: [],
      diffs: [],
      detailedDiff: {},
    });
    // A changed lifetime: an in-place update of that input.
    const longer = (await provider.check(PAT, inputs, { ...news, expiresInDays: 40 })).inputs;
    expect(await provider.diff(PAT, created.id, created.outs, longer)).toMatchObject({
      changes: true,
      replaces: [],
      detailedDiff: { expiresInDays: { kind: DiffKind.UPDATE, inputDiff: true } },
    });
    // A new name replaces the token; a new trigger is added.
    const renamed = (await provider.check(PAT, inputs, { ...news, name: "ci-2", rotationTrigger: "x" }))
      .inputs;
    const replacing = await provider.diff(PAT, created.id, created.outs, renamed);
    expect(replacing.replaces).toEqual(["name"]);
    expect(replacing.detailedDiff).toEqual({
      name: { kind: DiffKind.UPDATE_REPLACE, inputDiff: true },
      rotationTrigger: { kind: DiffKind.ADD, inputDiff: true },
    });
    // Unknown inputs (a preview before a dependency exists).
    const unknown = await provider.diff(PAT, created.id, created.outs, { ...inputs, userId: UNKNOWN_VALUE });
    expect(unknown.replaces).toEqual(["userId"]);
    expect(unknown.detailedDiff.userId).toEqual({ kind: DiffKind.UPDATE_REPLACE, inputDiff: true });

    // Due: the credential outputs will change, and the reason is a notice.
    setAt(new Date(T0.getTime() + 10 * DAY));
    const due = await provider.diff(PAT, created.id, created.outs, inputs);
    expect(due).toEqual({
      changes: true,
      replaces: [],
      diffs: ["token", "tokenId", "expiresAt", "rotatesAt"],
      detailedDiff: {
        token: { kind: DiffKind.UPDATE, inputDiff: false },
        tokenId: { kind: DiffKind.UPDATE, inputDiff: false },
        expiresAt: { kind: DiffKind.UPDATE, inputDiff: false },
        rotatesAt: { kind: DiffKind.UPDATE, inputDiff: false },
      },
    });
    expect(notices).toEqual([
      expect.stringMatching(/^pulumi-tokens: netbird: svc-ci\/ci: rotating: rotatesAt/),
    ]);

    // The preview of that update calls nothing and shows the credentials as unknown.
    emu.clearRequests();
    const preview = await provider.previewUpdate(PAT, created.id, created.outs, inputs);
    expect(preview.outs.token).toBe(UNKNOWN_VALUE);
    expect(preview.outs.createdBy).toBe(created.outs.createdBy);
    // The preview of a create: the inputs as given, every other output unknown, no id.
    const previewed = provider.previewCreate(PAT, { ...inputs, __defaults: [] }).outs;
    expect(previewed).toEqual({
      ...Object.fromEntries(RESOURCES[PAT]!.outputs.map((key) => [key, UNKNOWN_VALUE])),
      ...inputs,
    });
    expect(previewed).not.toHaveProperty("__defaults");
    expect(previewed.token).toBe(UNKNOWN_VALUE);
    expect(previewed.tokenId).toBe(UNKNOWN_VALUE);
    expect(emu.requests).toEqual([]);

    const rotated = await provider.update(PAT, created.id, created.outs, inputs);
    expect(isSecret(rotated.outs.token)).toBe(true);
    expect(isSecret(rotated.outs.previousToken)).toBe(true);
    expect(rotated.outs.previousTokenId).toBe(created.outs.tokenId);

    const read = await provider.read(PAT, created.id, rotated.outs, inputs);
    expect(read?.id).toBe(created.id);
    expect(isSecret(read?.props.token)).toBe(true);
    expect(read?.inputs).toEqual(inputs);

    await provider.delete(PAT, created.id, rotated.outs);
    expect(emu.netbird.tokens("svc-ci")).toEqual([]);
    // Refresh of a token that is gone: no state, so the engine drops it.
    expect(await provider.read(PAT, created.id, rotated.outs, inputs)).toBeUndefined();
  });
});

describe("import (Read with an id and no state)", () => {
  it("reads a NetBird token by userId/tokenId into state without its plain token", async () => {
    const provider = configured();
    const outside = await (
      await import("../../src/netbird/api.ts")
    )
      .connect({ managementUrl: emu.url, apiToken: emu.seeds.netbird.adminToken })
      .createToken("svc-ci", "outside", 90);
    const imported = await provider.read(PAT, `svc-ci/${outside.info.id}`, {}, {});
    expect(imported?.id).toBe("svc-ci/outside");
    expect(imported?.inputs).toEqual({ userId: "svc-ci", name: "outside", expiresInDays: 90 });
    expect(imported?.props).toMatchObject({
      tokenId: outside.info.id,
      token: wrapped(""),
      expiresAt: outside.info.expiresAt,
      rotatesAt: new Date(Date.parse(outside.info.expiresAt) - 7 * DAY).toISOString(),
      managementUrl: emu.url,
      status: "active",
    });
    expect(await provider.read(PAT, "svc-ci/no-such-token", {}, {})).toBeUndefined();
  });

  it("refuses a malformed import id and the resources whose API cannot look a credential up", async () => {
    const provider = configured();
    await expect(provider.read(PAT, "just-one-part", {}, {})).rejects.toThrow(
      'the import id of tokens:netbird:PersonalAccessToken must be "<userId>/<tokenId>"',
    );
    await expect(provider.read("tokens:gcore:UserToken", "users/1234", {}, {})).rejects.toThrow(
      "tokens:gcore:UserToken cannot be imported",
    );
    await expect(provider.read("tokens:icp:RegistryToken", "x", {}, {})).rejects.toThrow(
      "cannot be imported",
    );
  });
});

describe("errors and the wire helpers", () => {
  it("reports the package's errors as their one-line message, and unknown types by name", async () => {
    const provider = new PluginProvider();
    provider.configure({}, new Map());
    const error = await provider
      .create(PAT, { userId: "svc-ci", name: "ci", expiresInDays: 30, managementUrl: emu.url })
      .catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).stack)).not.toContain("    at ");
    expect((error as Error).message).toContain('"apiToken"');
    // The plugin's own config key, not the dynamic resources' stack config key.
    expect((error as Error).message).toContain('the provider config "tokens:netbirdApiToken"');
    expect((error as Error).message).not.toContain("netbird:apiToken");
    const missing = await provider.check(PAT, {}, { userId: "svc-ci", name: "ci", expiresInDays: 30 });
    expect(missing.failures).toEqual([
      {
        property: "",
        reason:
          '"apiToken" is required (an admin\'s NetBird API token): set the "apiToken" input, the provider config "tokens:netbirdApiToken" or the environment variable NB_PAT',
      },
    ]);
    const icpCheck = await provider.check(
      "tokens:icp:RegistryToken",
      {},
      { clusterUrl: "https://mycluster.icp:8443" },
    );
    expect(icpCheck.failures.map((failure) => failure.reason)).toEqual([
      'no credentials: set "username" and "password" (inputs, provider config tokens:icpUsername and tokens:icpPassword, ' +
        'or ICP_USERNAME and ICP_PASSWORD) or "idToken" (input, provider config tokens:icpIdToken or ICP_ID_TOKEN)',
    ]);
    await expect(provider.check("tokens:nope:Thing", {}, {})).rejects.toThrow(
      "unknown resource type tokens:nope:Thing",
    );
  });

  it("reads the type from a URN and the engine address from the plugin's arguments", () => {
    expect(typeOf("urn:pulumi:dev::proj::tokens:netbird:PersonalAccessToken::ci")).toBe(PAT);
    expect(typeOf("urn:pulumi:dev::proj::my:component$tokens:gcore:UserToken::u")).toBe(
      "tokens:gcore:UserToken",
    );
    expect(engineAddressOf(["--logtostderr", "-v=9", "--tracing", "x", "127.0.0.1:1234"])).toBe(
      "127.0.0.1:1234",
    );
    expect(engineAddressOf([])).toBeUndefined();
  });
});
