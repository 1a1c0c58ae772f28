// The resource class under pulumi.runtime.setMocks: type token, secret outputs, output names, shim size.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { UserToken } from "../../src/gcore/index.ts";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  additionalSecretOutputs: string[];
}

const registered: Registered[] = [];
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `users/${String(args.inputs.userId)}`,
        state: {
          ...args.inputs,
          accessToken: "eyJ.a.b",
          refreshToken: "eyJ.c.d",
          rotatesAt: "2030-01-01T00:50:00Z",
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

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getObject(): { toJavaScript(): Record<string, unknown> };
  getAdditionalsecretoutputsList(): string[];
}

const value = <T>(output: pulumi.Output<T>): Promise<T> =>
  new Promise((resolve) => {
    output.apply((v) => {
      resolve(v);
      return v;
    });
  });

describe("gcore.UserToken", () => {
  it("registers pulumi-nodejs:dynamic/gcore:UserToken with every secret output declared", async () => {
    const token = new UserToken("support", { userId: 1234, apiKey: "77_secret-key" });
    await expect(value(token.accessToken)).resolves.toBe("eyJ.a.b");
    const entry = registered.find((candidate) => candidate.name === "support");
    expect(entry?.type).toBe("pulumi-nodejs:dynamic/gcore:UserToken");
    expect(entry?.additionalSecretOutputs.sort()).toEqual(["accessToken", "apiKey", "refreshToken"]);
    // The API key input is sent to the engine as a secret.
    expect(entry?.inputs.apiKey).toEqual({
      [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270",
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
    await expect(value(token.rotatesAt)).resolves.toBe("2030-01-01T00:50:00Z");
    const entry = registered.find((candidate) => candidate.name === "outputs");
    // Only the given inputs reach the engine; unset inputs and the outputs stay out of the request.
    expect(Object.keys(entry?.inputs ?? {}).sort()).toEqual([
      "__provider",
      "rotateBeforeMinutes",
      "rotationTrigger",
      "userId",
    ]);
  });

  it("stores a provider closure under 4 KB that loads pulumi-tokens/providers at run time", async () => {
    const token = new UserToken("size", { userId: 1234 });
    await value(token.id);
    const entry = registered.find((candidate) => candidate.name === "size");
    const provider = String(entry?.inputs.__provider);
    expect(provider.length).toBeGreaterThan(100);
    expect(provider.length).toBeLessThan(4096);
    expect(provider).toContain("pulumi-tokens/providers");
    expect(provider).toContain('"gcore"');
  });
});
