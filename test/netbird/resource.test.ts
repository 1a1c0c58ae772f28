// The resource class under pulumi.runtime.setMocks: type token, secret outputs, output names, shim size.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { createProviderShim } from "../../src/core/provider-shim.ts";
import { PersonalAccessToken } from "../../src/netbird/index.ts";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  additionalSecretOutputs: string[];
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getObject(): { toJavaScript(): Record<string, unknown> };
  getAdditionalsecretoutputsList(): string[];
}

const registered: Registered[] = [];
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `${String(args.inputs.userId)}/${String(args.inputs.name)}`,
        state: {
          ...args.inputs,
          tokenId: "ch8i54g6lnn4g9hqv7n0",
          token: "nbp_mock",
          expiresAt: "2030-03-31T00:00:00.000Z",
          rotatesAt: "2030-03-01T00:00:00.000Z",
          status: "active",
        },
      }),
      call: (args) => args.inputs,
    },
    "project",
    "stack",
    false,
  );
  // The mock monitor does not pass resource options to newResource: read them off the request.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): void;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    registered.push({
      type: req.getType(),
      name: req.getName(),
      inputs: req.getObject().toJavaScript(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    });
    original(req, callback);
  };
});

const value = <T>(output: pulumi.Output<T>): Promise<T> =>
  new Promise((resolve) => {
    output.apply((v) => {
      resolve(v);
      return v;
    });
  });

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
    await expect(value(pat.token)).resolves.toBe("nbp_mock");
    await expect(value(pat.id)).resolves.toBe("svc-ci/ci-pipeline");
    const entry = registered.find((candidate) => candidate.name === "ci");
    expect(entry?.type).toBe("pulumi-nodejs:dynamic/netbird:PersonalAccessToken");
    expect(entry?.additionalSecretOutputs.sort()).toEqual([
      "adoptToken",
      "apiToken",
      "previousToken",
      "token",
    ]);
    // Credential inputs go to the engine as secrets.
    expect(entry?.inputs.apiToken).toEqual({ [SECRET_SIG]: SECRET_VALUE, value: "nbp_admin-credential" });
    expect(entry?.inputs.adoptToken).toEqual({ [SECRET_SIG]: SECRET_VALUE, value: "nbp_adopted" });
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
    await expect(value(pat.rotatesAt)).resolves.toBe("2030-03-01T00:00:00.000Z");
    await expect(value(pat.status)).resolves.toBe("active");
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

  it("stores a provider closure under 4 KB that loads pulumi-tokens/providers at run time", async () => {
    const pat = new PersonalAccessToken("size", { userId: "svc-ci", name: "size", expiresInDays: 30 });
    await value(pat.id);
    const entry = registered.find((candidate) => candidate.name === "size");
    const provider = String(entry?.inputs.__provider);
    expect(provider.length).toBeLessThan(4096);
    expect(provider).toContain("pulumi-tokens/providers");
    expect(provider).toContain('"netbird"');
    const serialized = await pulumi.runtime.serializeFunction(() =>
      createProviderShim("pulumi-tokens/providers", "netbird"),
    );
    expect(serialized.text.length).toBeLessThan(4096);
  });
});
