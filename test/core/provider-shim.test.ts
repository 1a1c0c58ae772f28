import { describe, expect, it } from "vitest";
import { providerSource } from "../../src/core/provider-shim.ts";

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
