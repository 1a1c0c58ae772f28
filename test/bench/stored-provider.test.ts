// bench/stored-provider.ts: a stored `__provider` text loaded as the dynamic-provider host loads it.
import { describe, expect, it } from "vitest";
import { loadProviderSource } from "../../bench/stored-provider.ts";
import { providerSource } from "../../src/core/provider-shim.ts";
import { providers } from "../../src/providers.ts";

describe("loadProviderSource", () => {
  it("returns the provider the text names, from the package installed in the program's directory", async () => {
    const stored = loadProviderSource(providerSource("pulumi-tokens/providers", "netbird"));
    const answer = await stored.check?.({}, { name: "ci" });
    expect(answer?.failures?.length).toBeGreaterThan(0);
    expect(answer).toEqual(await providers.netbird?.check?.({}, { name: "ci" }));
  });

  it("refuses a text without exports.handler", () => {
    expect(() => loadProviderSource("exports.other = 1")).toThrow(
      new Error("the provider source defines no exports.handler"),
    );
  });
});
