import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { NOW_ENV, now, parseRfc3339 } from "../../src/core/clock.ts";
import { MINUTE_MS } from "../../src/core/rotation.ts";
import { lookupSetting, requireSetting, setStackConfig } from "../../src/core/settings.ts";
import { createTokenProvider, type TokenSpec } from "../../src/core/token-provider.ts";
import { InvalidClockError, MissingCredentialsError } from "../../src/errors.ts";

type Inputs = {
  name: string;
  rotateBeforeMinutes: number;
  rotationTrigger?: string | undefined;
  adopt?: string | undefined;
  origin?: string | undefined;
};
type State = {
  value: string;
  expiresAt: string;
  origin?: string | undefined;
};

function fixture(overrides: Partial<TokenSpec<Inputs, State>> = {}) {
  const calls: string[] = [];
  let serial = 0;
  const spec: TokenSpec<Inputs, State> = {
    vendor: "netbird",
    inputSchema: () =>
      z.object({
        name: z.string().min(1, { error: '"name" must not be empty' }),
        rotateBeforeMinutes: z.number().int().default(10),
        rotationTrigger: z.string().optional(),
        adopt: z.string().optional(),
        origin: z.string().optional(),
      }),
    storedSchema: () =>
      z.looseObject({
        name: z.string(),
        rotateBeforeMinutes: z.number().int().default(10),
        rotationTrigger: z.string().optional(),
        origin: z.string().optional(),
        value: z.string(),
        expiresAt: z.string(),
        rotatesAt: z.string().default(""),
      }),
    id: (inputs) => `fixture/${inputs.name}`,
    replaceOn: ["name"],
    transientInputs: ["adopt"],
    storedForm: {
      defaults: () => ({ rotateBeforeMinutes: 10 }),
      rotateBeforeMs: (outputs) => Number(outputs.rotateBeforeMinutes) * MINUTE_MS,
      sources: [],
    },
    issue: async () => {
      calls.push("issue");
      return { value: `v${++serial}`, expiresAt: new Date(now().getTime() + 60 * MINUTE_MS).toISOString() };
    },
    rotate: async (_inputs, _stored, reason) => {
      calls.push(`rotate:${reason}`);
      return { value: `v${++serial}`, expiresAt: new Date(now().getTime() + 60 * MINUTE_MS).toISOString() };
    },
    inspect: async (stored) => {
      calls.push("inspect");
      return stored.value === "gone" ? "gone" : { value: stored.value, expiresAt: stored.expiresAt };
    },
    revoke: async () => {
      calls.push("revoke");
    },
    ...overrides,
  };
  return { provider: createTokenProvider(spec), calls };
}

const T0 = "2030-01-01T00:00:00Z";

afterEach(() => setStackConfig(undefined));

describe("createTokenProvider", () => {
  it("check validates, leaves defaults out of the stored inputs and reports failures naming the property, without calling the API", async () => {
    const { provider, calls } = fixture();
    expect(await provider.check?.({}, { name: "a", __provider: "x" })).toEqual({ inputs: { name: "a" } });
    expect(await provider.check?.({}, { name: "a", rotateBeforeMinutes: 10 })).toEqual({
      inputs: { name: "a" },
    });
    expect(await provider.check?.({}, { name: "a", rotateBeforeMinutes: 5 })).toEqual({
      inputs: { name: "a", rotateBeforeMinutes: 5 },
    });
    const failed = await provider.check?.({}, { name: "" });
    // No property for the engine (it would print the value, which may be a secret).
    expect(failed?.failures).toEqual([{ property: "", reason: '"name" must not be empty' }]);
    expect(calls).toEqual([]);
  });

  it("check passes unknown preview values through unjudged", async () => {
    const { provider } = fixture();
    const news = { name: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" };
    expect(await provider.check?.({}, news)).toEqual({ inputs: news });
  });

  it("creates with a stable id and compact outputs: no transient inputs, no defaults, no rotatesAt", async () => {
    process.env[NOW_ENV] = T0;
    const { provider } = fixture();
    const created = await provider.create({ name: "a", rotateBeforeMinutes: 10, adopt: "secret" });
    expect(created).toEqual({
      id: "fixture/a",
      outs: { name: "a", value: "v1", expiresAt: "2030-01-01T01:00:00.000Z" },
    });
  });

  it("reads state that stores defaults and rotatesAt (0.1.0) like compact state: same diff, compact read", async () => {
    process.env[NOW_ENV] = T0;
    const { provider, calls } = fixture();
    const full = {
      name: "a",
      rotateBeforeMinutes: 10,
      value: "v1",
      expiresAt: "2030-01-01T01:00:00.000Z",
      rotatesAt: "2030-01-01T00:50:00.000Z",
    };
    expect(await provider.diff?.("fixture/a", full, { name: "a" })).toEqual({ changes: false });
    expect(await provider.diff?.("fixture/a", full, { name: "a", rotateBeforeMinutes: 20 })).toEqual({
      changes: true,
    });
    expect(await provider.read?.("fixture/a", full)).toEqual({
      id: "fixture/a",
      props: { name: "a", value: "v1", expiresAt: "2030-01-01T01:00:00.000Z" },
    });
    expect(calls).toEqual(["inspect"]);
  });

  it("diff reports no change before rotatesAt and a change once it is reached", async () => {
    process.env[NOW_ENV] = T0;
    const { provider, calls } = fixture();
    const { outs } = await provider.create({ name: "a", rotateBeforeMinutes: 10 });
    const news = { name: "a", rotateBeforeMinutes: 10 };
    expect(await provider.diff?.("fixture/a", outs, news)).toEqual({ changes: false });
    process.env[NOW_ENV] = "2030-01-01T00:50:00Z";
    expect(await provider.diff?.("fixture/a", outs, news)).toEqual({ changes: true });
    expect(calls).toEqual(["issue"]);
  });

  it("diff replaces on identity inputs and ignores transient ones", async () => {
    process.env[NOW_ENV] = T0;
    const { provider } = fixture();
    const { outs } = await provider.create({ name: "a", rotateBeforeMinutes: 10, adopt: "x" });
    expect(await provider.diff?.("fixture/a", outs, { name: "b", rotateBeforeMinutes: 10 })).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
    });
    expect(
      await provider.diff?.("fixture/a", outs, { name: "a", rotateBeforeMinutes: 10, adopt: "y" }),
    ).toEqual({ changes: false });
  });

  it("update with a new window but nothing due rewrites outputs without any API call", async () => {
    process.env[NOW_ENV] = T0;
    const { provider, calls } = fixture();
    const { outs } = await provider.create({ name: "a", rotateBeforeMinutes: 10 });
    const updated = await provider.update?.(
      "fixture/a",
      { ...outs, __provider: "p" },
      { name: "a", rotateBeforeMinutes: 20 },
    );
    expect(updated?.outs).toEqual({
      name: "a",
      value: "v1",
      rotateBeforeMinutes: 20,
      expiresAt: "2030-01-01T01:00:00.000Z",
    });
    expect(updated?.outs).not.toHaveProperty("__provider");
    expect(calls).toEqual(["issue"]);
  });

  it("update rotates when the trigger changes, and when due", async () => {
    process.env[NOW_ENV] = T0;
    const { provider, calls } = fixture();
    const { outs } = await provider.create({ name: "a", rotateBeforeMinutes: 10 });
    const triggered = await provider.update?.("fixture/a", outs, {
      name: "a",
      rotateBeforeMinutes: 10,
      rotationTrigger: "2",
    });
    expect(triggered?.outs).toMatchObject({ value: "v2", rotationTrigger: "2" });
    process.env[NOW_ENV] = "2030-01-01T00:59:00Z";
    const due = await provider.update?.("fixture/a", triggered?.outs, {
      name: "a",
      rotateBeforeMinutes: 10,
      rotationTrigger: "2",
    });
    expect(due?.outs).toMatchObject({ value: "v3", expiresAt: "2030-01-01T01:59:00.000Z" });
    expect(calls).toEqual(["issue", "rotate:trigger-changed", "rotate:due"]);
  });

  it("an omitted discovered input compares, and is rotated with, as its stored value; a given one still replaces", async () => {
    process.env[NOW_ENV] = T0;
    const rotatedWith: (string | undefined)[] = [];
    const expiresAt = () => new Date(now().getTime() + 60 * MINUTE_MS).toISOString();
    const { provider } = fixture({
      replaceOn: ["name", "origin"],
      discoveredInputs: ["origin"],
      issue: async (inputs) => ({ value: "v1", expiresAt: expiresAt(), origin: inputs.origin ?? "found" }),
      rotate: async (inputs) => {
        rotatedWith.push(inputs.origin);
        return { value: "v2", expiresAt: expiresAt(), origin: inputs.origin ?? "found again" };
      },
    });
    const { outs } = await provider.create({ name: "a" });
    expect(outs).toEqual({ name: "a", value: "v1", expiresAt: "2030-01-01T01:00:00.000Z", origin: "found" });
    expect(await provider.diff?.("fixture/a", outs, { name: "a" })).toEqual({ changes: false });
    expect(provider.details.describeDiff("fixture/a", outs, { name: "a" })).toEqual({
      unknowns: false,
      replaces: [],
      changed: [],
      rotation: undefined,
    });
    expect(await provider.diff?.("fixture/a", outs, { name: "a", origin: "elsewhere" })).toEqual({
      changes: true,
      replaces: ["origin"],
      deleteBeforeReplace: false,
    });
    const rotated = await provider.update?.("fixture/a", outs, { name: "a", rotationTrigger: "1" });
    expect(rotatedWith).toEqual(["found"]);
    expect(rotated?.outs).toMatchObject({ value: "v2", origin: "found", rotationTrigger: "1" });
  });

  it("read drops a gone credential and keeps a live one", async () => {
    process.env[NOW_ENV] = T0;
    const { provider } = fixture();
    const { outs } = await provider.create({ name: "a", rotateBeforeMinutes: 10 });
    expect(await provider.read?.("fixture/a", { ...outs, value: "gone" })).toEqual({});
    expect(await provider.read?.("fixture/a", outs)).toEqual({ id: "fixture/a", props: outs });
  });
});

describe("clock", () => {
  it("follows PULUMI_TOKENS_NOW when set", () => {
    process.env[NOW_ENV] = "2031-05-06T07:08:09+02:00";
    expect(now().toISOString()).toBe("2031-05-06T05:08:09.000Z");
  });

  it("rejects a value that is not RFC 3339", () => {
    expect(() => parseRfc3339("tomorrow")).toThrow(InvalidClockError);
    expect(() => parseRfc3339("2031-05-06")).toThrowError(
      'PULUMI_TOKENS_NOW must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z, got "2031-05-06"',
    );
  });
});

describe("settings", () => {
  const source = {
    vendor: "netbird" as const,
    property: "apiToken",
    configKey: "netbird:apiToken",
    env: "PT_TEST_TOKEN",
  };

  afterEach(() => {
    delete process.env.PT_TEST_TOKEN;
  });

  it("prefers the input, then the stack config, then the environment", () => {
    process.env.PT_TEST_TOKEN = "from-env";
    setStackConfig({ get: (key) => (key === "netbird:apiToken" ? "from-config" : undefined) });
    expect(lookupSetting({ ...source, input: "from-input" })).toBe("from-input");
    expect(lookupSetting({ ...source, input: undefined })).toBe("from-config");
    setStackConfig(undefined);
    expect(lookupSetting({ ...source, input: "" })).toBe("from-env");
  });

  it("names every source when nothing is set", () => {
    const error = (() => {
      try {
        return requireSetting({ ...source, input: undefined });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(MissingCredentialsError);
    expect(error).toMatchObject({
      code: "ERR_MISSING_CREDENTIALS",
      message:
        'netbird: no apiToken found: set the "apiToken" input, the stack config "netbird:apiToken" or the environment variable PT_TEST_TOKEN',
    });
  });
});

describe("withoutProperties", () => {
  it("drops every property and adds the name to a reason that lacks it", async () => {
    const { withoutProperties } = await import("../../src/core/check.ts");
    expect(
      withoutProperties([
        { property: "userId", reason: '"userId" must not be empty' },
        { property: "scope.0", reason: "Invalid input" },
        { property: "", reason: '"clusterUrl" is required' },
      ]),
    ).toEqual([
      { property: "", reason: '"userId" must not be empty' },
      { property: "", reason: '"scope.0": Invalid input' },
      { property: "", reason: '"clusterUrl" is required' },
    ]);
  });
});
