// The resource class under pulumi.runtime.setMocks: type token, secret outputs, output names, shim size.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { UserToken } from "../../src/gcore/index.ts";
import { installResourceMocks, outputValue, SECRET_SIG, SIG_KEY } from "../harness/mocks.ts";

// The provider's stored form: both JWTs in one value, no rotatesAt. A resource named "v010" answers
// like state written by 0.1.0: the JWTs by name, rotatesAt stored (and computed again from expiresAt).
const { registered } = installResourceMocks((args) => ({
  id: `users/${String(args.inputs.userId)}`,
  state:
    args.name === "v010"
      ? {
          ...args.inputs,
          accessToken: "eyJ.old.a",
          refreshToken: "eyJ.old.r",
          expiresAt: "2029-12-31T23:10:00.000Z",
          rotatesAt: "2029-12-31T23:00:00.000Z",
        }
      : {
          ...args.inputs,
          secrets: { accessToken: "eyJ.a.b", refreshToken: "eyJ.c.d" },
          expiresAt: "2030-01-01T01:00:00Z",
        },
}));

describe("gcore.UserToken", () => {
  it("registers pulumi-nodejs:dynamic/gcore:UserToken with every secret output declared", async () => {
    const token = new UserToken("support", { userId: 1234, apiKey: "77_secret-key" });
    await expect(outputValue(token.accessToken)).resolves.toBe("eyJ.a.b");
    const entry = registered.find((candidate) => candidate.name === "support");
    expect(entry?.type).toBe("pulumi-nodejs:dynamic/gcore:UserToken");
    await expect(outputValue(token.refreshToken)).resolves.toBe("eyJ.c.d");
    expect(entry?.additionalSecretOutputs.sort()).toEqual([
      "accessToken",
      "apiKey",
      "refreshToken",
      "secrets",
    ]);
    // The API key input is sent to the engine as a secret.
    expect(entry?.inputs.apiKey).toEqual({
      [SIG_KEY]: SECRET_SIG,
      value: "77_secret-key",
    });
  });

  it("declares every output the provider returns", async () => {
    const token = new UserToken("outputs", { userId: 1234, rotateBeforeMinutes: 15, rotationTrigger: "1" });
    const keys = [
      "userId",
      "rotateBeforeMinutes",
      "rotationTrigger",
      "apiUrl",
      "apiKey",
      "accessToken",
      "refreshToken",
      "accessExpiresAt",
      "refreshExpiresAt",
      "expiresAt",
      "rotatesAt",
      "clientId",
      "userType",
      "username",
      "email",
      "userGroups",
      "clientName",
    ] as const;
    for (const key of keys) expect(pulumi.Output.isInstance(token[key]), key).toBe(true);
    // Derived: expiresAt − rotateBeforeMinutes.
    await expect(outputValue(token.rotatesAt)).resolves.toBe("2030-01-01T00:45:00.000Z");
    const entry = registered.find((candidate) => candidate.name === "outputs");
    // Only the given inputs reach the engine; unset inputs and the outputs stay out of the request.
    expect(Object.keys(entry?.inputs ?? {}).sort()).toEqual([
      "__provider",
      "rotateBeforeMinutes",
      "rotationTrigger",
      "userId",
    ]);
  });

  it("presents state written by 0.1.0 (JWTs by name) the same way, with the default window", async () => {
    const token = new UserToken("v010", { userId: 1234 });
    await expect(outputValue(token.accessToken)).resolves.toBe("eyJ.old.a");
    await expect(outputValue(token.refreshToken)).resolves.toBe("eyJ.old.r");
    await expect(outputValue(token.rotateBeforeMinutes)).resolves.toBe(10);
    await expect(outputValue(token.rotatesAt)).resolves.toBe("2029-12-31T23:00:00.000Z");
  });

  it("stores a provider closure under 4 KB that loads pulumi-tokens/providers at run time", async () => {
    const token = new UserToken("size", { userId: 1234 });
    await outputValue(token.id);
    const entry = registered.find((candidate) => candidate.name === "size");
    const provider = String(entry?.inputs.__provider);
    expect(provider.length).toBeGreaterThan(100);
    expect(provider.length).toBeLessThan(4096);
    expect(provider).toContain("pulumi-tokens/providers");
    expect(provider).toContain(".providers.gcore");
  });
});
