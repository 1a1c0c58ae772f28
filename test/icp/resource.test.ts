// icp.RegistryToken under pulumi.runtime.setMocks: type token, secret handling, outputs and the
// size of the serialized provider.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { createProviderShim } from "../../src/core/provider-shim.ts";
import { RegistryToken } from "../../src/icp/index.ts";

/** Pulumi's marker of a secret value on the wire. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

interface Registration {
  type: string;
  name: string;
  object: Record<string, unknown>;
  additionalSecretOutputs: string[];
}

const registrations: Registration[] = [];

const mockState = {
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

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: "mycluster.icp:8500/repository:ns/app:pull",
        state: { ...args.inputs, ...mockState },
      }),
      call: () => ({}),
    },
    "project",
    "stack",
    false,
  );
  // The mock monitor hides resource options from `newResource`; read them off the raw request.
  type Request = {
    getType(): string;
    getName(): string;
    getObject(): { toJavaScript(): Record<string, unknown> };
    getAdditionalsecretoutputsList(): string[];
  };
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: Request, callback: unknown): Promise<void>;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    registrations.push({
      type: req.getType(),
      name: req.getName(),
      object: req.getObject().toJavaScript(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    });
    return register(req, callback);
  };
});

const output = <T>(value: pulumi.Output<T>): Promise<T> =>
  new Promise((resolve) => {
    value.apply((inner) => {
      resolve(inner);
      return inner;
    });
  });

describe("icp.RegistryToken", () => {
  it("registers pulumi-nodejs:dynamic/icp:RegistryToken with its secret outputs and secret credentials", async () => {
    const token = new RegistryToken("pull", {
      clusterUrl: "https://mycluster.icp:8443",
      username: "admin",
      password: "plain-password",
      scope: "repository:ns/app:pull",
    });
    await output(token.id);

    const registration = registrations.find((entry) => entry.name === "pull");
    expect(registration?.type).toBe("pulumi-nodejs:dynamic/icp:RegistryToken");
    expect(registration?.additionalSecretOutputs).toEqual([
      "token",
      "dockerConfigJson",
      "password",
      "idToken",
    ]);
    expect(registration?.object.password).toEqual({ [SIG_KEY]: SECRET_SIG, value: "plain-password" });
    expect(registration?.object.username).toBe("admin");
  });

  it("wraps an idToken as a secret too", async () => {
    const token = new RegistryToken("with-id-token", {
      clusterUrl: "https://mycluster.icp:8443",
      idToken: "eyJ.id.token",
    });
    await output(token.id);

    const registration = registrations.find((entry) => entry.name === "with-id-token");
    expect(registration?.object.idToken).toEqual({ [SIG_KEY]: SECRET_SIG, value: "eyJ.id.token" });
    expect(registration?.object).not.toHaveProperty("password");
  });

  it("exposes every output", async () => {
    const token = new RegistryToken("outputs", {});
    const values = await output(
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

    expect(values).toEqual({ id: "mycluster.icp:8500/repository:ns/app:pull", ...mockState });
  });

  it("serializes a provider smaller than 4 KB", async () => {
    const token = new RegistryToken("size", {});
    await output(token.id);
    const stored = registrations.find((entry) => entry.name === "size")?.object.__provider;
    const shim = createProviderShim("pulumi-tokens/providers", "icp");
    const serialized = await pulumi.runtime.serializeFunction(() => shim);

    expect(typeof stored).toBe("string");
    expect(String(stored).length).toBeLessThan(4096);
    expect(serialized.text.length).toBeLessThan(4096);
  });
});
