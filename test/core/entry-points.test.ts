// The package's entry points (package.json "exports") expose no hook that exists for tests: the
// `forget*`/`tune*` functions reset or tune module state and are imported by tests from their modules.
import { describe, expect, it } from "vitest";
import * as emulatorEntry from "../../src/emulator/index.ts";
import * as mainEntry from "../../src/index.ts";
import * as providersEntry from "../../src/providers.ts";

const TEST_HOOK = /^(forget|tune|createProviderShim$|loadProviderSource$)/;

describe("the package's entry points", () => {
  it.each([
    ["pulumi-tokens", mainEntry],
    ["pulumi-tokens/providers", providersEntry],
    ["pulumi-tokens/emulator", emulatorEntry],
  ])("%s exports no test hook", (_entry, exported) => {
    const names = Object.keys(exported);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => TEST_HOOK.test(name))).toEqual([]);
  });

  it("name the clock variable once, NOW_ENV, in the package and in the emulator", () => {
    expect(mainEntry.NOW_ENV).toBe("PULUMI_TOKENS_NOW");
    expect(emulatorEntry.NOW_ENV).toBe("PULUMI_TOKENS_NOW");
    expect(Object.keys(emulatorEntry)).not.toContain("NOW_ENV_VAR");
  });
});
