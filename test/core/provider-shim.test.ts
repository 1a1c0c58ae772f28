import { describe, expect, it } from "vitest";
import { providerSource } from "../../src/core/provider-shim.ts";
import { providers } from "../../src/providers.ts";
import { createProviderShim } from "../harness/provider-shim.ts";

describe("providerSource", () => {
  it("is one short line that loads the named provider from the program's directory", () => {
    const text = providerSource("pulumi-tokens/providers", "netbird");
    expect(text).toBe(
      'exports.handler=()=>require("module").createRequire(process.cwd()+"/")("pulumi-tokens/providers").providers.netbird',
    );
    expect(text.length).toBeLessThanOrEqual(128);
  });

  it("refuses a provider name that is not an identifier", () => {
    expect(() => providerSource("pulumi-tokens/providers", "a-b")).toThrow(
      new Error('pulumi-tokens: provider name "a-b" is not an identifier'),
    );
  });
});

describe("createProviderShim (test harness)", () => {
  it("delegates each call to the named provider of the module, loaded from the program's directory", async () => {
    const shim = createProviderShim("pulumi-tokens/providers", "netbird");
    const viaShim = await shim.check?.({}, { name: "ci" });
    const direct = await providers.netbird?.check?.({}, { name: "ci" });
    expect(viaShim?.failures?.length).toBeGreaterThan(0);
    expect(viaShim).toEqual(direct);
  });

  it("names the provider the module lacks", async () => {
    const shim = createProviderShim("pulumi-tokens/providers", "nope");
    await expect(shim.create({})).rejects.toThrow(
      new Error('pulumi-tokens: pulumi-tokens/providers has no provider named "nope"'),
    );
  });
});
