// The resource class under pulumi.runtime.setMocks: type token, secret outputs, output names, shim size.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { createProviderShim } from "../harness/provider-shim.ts";
import { PersonalAccessToken } from "../../src/netbird/index.ts";
import { installResourceMocks, outputValue, SECRET_SIG, SIG_KEY } from "../harness/mocks.ts";

const { registered } = installResourceMocks((args) => ({
  id: `${String(args.inputs.userId)}/${String(args.inputs.name)}`,
  state: {
    ...args.inputs,
    tokenId: "ch8i54g6lnn4g9hqv7n0",
    token: "nbp_mock",
    expiresAt: "2030-03-31T00:00:00.000Z",
  },
}));

describe("netbird.PersonalAccessToken", () => {
  it("registers pulumi-nodejs:dynamic/netbird:PersonalAccessToken with every secret declared", async () => {
    const pat = new PersonalAccessToken("ci", {
      userId: "svc-ci",
      name: "ci-pipeline",
      expiresInDays: 90,
      apiToken: "nbp_admin-credential",
      adoptTokenId: "ch8i54g6lnn4g9hqv7n0",
      adoptToken: "nbp_adopted",
    });
    await expect(outputValue(pat.token)).resolves.toBe("nbp_mock");
    await expect(outputValue(pat.id)).resolves.toBe("svc-ci/ci-pipeline");
    const entry = registered.find((candidate) => candidate.name === "ci");
    expect(entry?.type).toBe("pulumi-nodejs:dynamic/netbird:PersonalAccessToken");
    expect(entry?.additionalSecretOutputs.sort()).toEqual([
      "adoptToken",
      "apiToken",
      "previousToken",
      "token",
    ]);
    // Credential inputs go to the engine as secrets.
    expect(entry?.inputs.apiToken).toEqual({ [SIG_KEY]: SECRET_SIG, value: "nbp_admin-credential" });
    expect(entry?.inputs.adoptToken).toEqual({ [SIG_KEY]: SECRET_SIG, value: "nbp_adopted" });
  });

  it("declares every output the provider returns", async () => {
    const pat = new PersonalAccessToken("outputs", {
      userId: "svc-ci",
      name: "outputs",
      expiresInDays: 30,
      rotationTrigger: "1",
    });
    const keys = [
      "userId",
      "name",
      "expiresInDays",
      "rotateBeforeDays",
      "revokePrevious",
      "rotationTrigger",
      "managementUrl",
      "apiToken",
      "caCertificate",
      "tokenId",
      "token",
      "expiresAt",
      "rotatesAt",
      "createdAt",
      "createdBy",
      "lastUsed",
      "status",
      "previousTokenId",
      "previousToken",
      "previousExpiresAt",
      "pendingRevocations",
    ] as const;
    for (const key of keys) expect(pulumi.Output.isInstance(pat[key]), key).toBe(true);
    // Not stored (defaults, and rotatesAt = expiresAt − the default window of a 30-day lifetime, 7 days):
    // derived from the stored outputs.
    await expect(outputValue(pat.rotatesAt)).resolves.toBe("2030-03-24T00:00:00.000Z");
    await expect(outputValue(pat.rotateBeforeDays)).resolves.toBe(7);
    await expect(outputValue(pat.revokePrevious)).resolves.toBe(false);
    await expect(outputValue(pat.status)).resolves.toBe("active");
    const entry = registered.find((candidate) => candidate.name === "outputs");
    // Only the given inputs reach the engine; unset inputs and the outputs stay out of the request.
    expect(Object.keys(entry?.inputs ?? {}).sort()).toEqual([
      "__provider",
      "expiresInDays",
      "name",
      "rotationTrigger",
      "userId",
    ]);
  });

  it("builds a derived output when the program first reads it, and the same one on every read", async () => {
    const pat = new PersonalAccessToken("lazy", { userId: "svc-ci", name: "lazy", expiresInDays: 30 });
    for (const key of ["rotateBeforeDays", "revokePrevious", "status", "rotatesAt"] as const) {
      expect(typeof Object.getOwnPropertyDescriptor(pat, key)?.get, key).toBe("function");
      expect(pat[key], key).toBe(pat[key]);
    }
    await expect(outputValue(pat.status)).resolves.toBe("active");
    // Read from the engine's answer as the SDK made it: no getter.
    expect(Object.getOwnPropertyDescriptor(pat, "expiresAt")?.get).toBeUndefined();
  });

  it("stores a provider closure under 4 KB that loads pulumi-tokens/providers at run time", async () => {
    const pat = new PersonalAccessToken("size", { userId: "svc-ci", name: "size", expiresInDays: 30 });
    await outputValue(pat.id);
    const entry = registered.find((candidate) => candidate.name === "size");
    const provider = String(entry?.inputs.__provider);
    expect(provider.length).toBeLessThan(4096);
    expect(provider).toContain("pulumi-tokens/providers");
    expect(provider).toContain(".providers.netbird");
    const serialized = await pulumi.runtime.serializeFunction(() =>
      createProviderShim("pulumi-tokens/providers", "netbird"),
    );
    expect(serialized.text.length).toBeLessThan(4096);
  });
});
