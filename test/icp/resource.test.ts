// icp.RegistryToken under pulumi.runtime.setMocks: type token, secret handling, outputs and the
// size of the serialized provider.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { createProviderShim } from "../harness/provider-shim.ts";
import { RegistryToken } from "../../src/icp/index.ts";
import { installResourceMocks, outputValue, SECRET_SIG, SIG_KEY } from "../harness/mocks.ts";

/** The outputs as a program sees them. */
const presented = {
  token: "eyJ.mock.token",
  issuedAt: "2030-01-01T00:00:00.000Z",
  expiresAt: "2030-01-01T00:30:00.000Z",
  rotatesAt: "2030-01-01T00:25:00.000Z",
  registry: "mycluster.icp:8500",
  access: [{ type: "repository", name: "ns/app", actions: ["pull"] }],
  dockerConfigJson: '{"auths":{}}',
  clusterUrl: "https://mycluster.icp:8443",
  scope: "repository:ns/app:pull",
  rotateBeforeMinutes: 5,
};

/** As the provider stores them: both secrets in one value, no default window, no rotatesAt. */
const { token, dockerConfigJson, rotatesAt: _rotatesAt, rotateBeforeMinutes: _window, ...rest } = presented;
const mockState = { ...rest, secrets: { token, dockerConfigJson } };

const { registered } = installResourceMocks((args) => ({
  id: "mycluster.icp:8500/repository:ns/app:pull",
  state: { ...args.inputs, ...mockState },
}));

describe("icp.RegistryToken", () => {
  it("registers pulumi-nodejs:dynamic/icp:RegistryToken with its secret outputs and secret credentials", async () => {
    const token = new RegistryToken("pull", {
      clusterUrl: "https://mycluster.icp:8443",
      username: "admin",
      password: "plain-password",
      scope: "repository:ns/app:pull",
    });
    await outputValue(token.id);

    const registration = registered.find((entry) => entry.name === "pull");
    expect(registration?.type).toBe("pulumi-nodejs:dynamic/icp:RegistryToken");
    // Only the credential inputs given are listed: the rest are never stored.
    expect(registration?.additionalSecretOutputs).toEqual([
      "token",
      "dockerConfigJson",
      "secrets",
      "password",
    ]);
    expect(registration?.inputs.password).toEqual({ [SIG_KEY]: SECRET_SIG, value: "plain-password" });
    expect(registration?.inputs.username).toBe("admin");
  });

  it("wraps an idToken as a secret too", async () => {
    const token = new RegistryToken("with-id-token", {
      clusterUrl: "https://mycluster.icp:8443",
      idToken: "eyJ.id.token",
    });
    await outputValue(token.id);

    const registration = registered.find((entry) => entry.name === "with-id-token");
    expect(registration?.inputs.idToken).toEqual({ [SIG_KEY]: SECRET_SIG, value: "eyJ.id.token" });
    expect(registration?.inputs).not.toHaveProperty("password");
    expect(registration?.additionalSecretOutputs).toEqual([
      "token",
      "dockerConfigJson",
      "secrets",
      "idToken",
    ]);
  });

  it("exposes every output", async () => {
    const token = new RegistryToken("outputs", {});
    const values = await outputValue(
      pulumi.all<unknown>({
        id: token.id,
        token: token.token,
        issuedAt: token.issuedAt,
        expiresAt: token.expiresAt,
        rotatesAt: token.rotatesAt,
        registry: token.registry,
        access: token.access,
        dockerConfigJson: token.dockerConfigJson,
        clusterUrl: token.clusterUrl,
        scope: token.scope,
        rotateBeforeMinutes: token.rotateBeforeMinutes,
      }),
    );

    expect(values).toEqual({ id: "mycluster.icp:8500/repository:ns/app:pull", ...presented });
  });

  it("serializes a provider smaller than 4 KB", async () => {
    const token = new RegistryToken("size", {});
    await outputValue(token.id);
    const stored = registered.find((entry) => entry.name === "size")?.inputs.__provider;
    const shim = createProviderShim("pulumi-tokens/providers", "icp");
    const serialized = await pulumi.runtime.serializeFunction(() => shim);

    expect(typeof stored).toBe("string");
    expect(String(stored).length).toBeLessThan(4096);
    expect(serialized.text.length).toBeLessThan(4096);
  });
});
