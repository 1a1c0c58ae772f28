// The plugin's property lists (src/plugin/resources.ts) against the resource classes they repeat: each
// class registered under Pulumi's mocks declares the same outputs and marks the same properties secret
// (a class lists a credential input as a secret output only when it is given, so all are given here).
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { UserToken } from "../../src/gcore/index.ts";
import { RegistryToken } from "../../src/icp/index.ts";
import { PersonalAccessToken } from "../../src/netbird/index.ts";
import { RESOURCES } from "../../src/plugin/resources.ts";
import { installResourceMocks, outputValue } from "../harness/mocks.ts";

const { registered } = installResourceMocks((args) => ({ id: `${args.name}-id`, state: args.inputs }));

/** The output properties a resource object exposes (besides `urn`, `id` and the dynamic `__provider`). */
function outputsOf(resource: pulumi.CustomResource): string[] {
  return Object.entries(resource)
    .filter(([key, value]) => !["urn", "id", "__provider"].includes(key) && pulumi.Output.isInstance(value))
    .map(([key]) => key);
}

describe("the plugin's resources repeat the resource classes", () => {
  const classes = [
    [
      "tokens:netbird:PersonalAccessToken",
      () =>
        new PersonalAccessToken("pat", {
          userId: "u",
          name: "n",
          expiresInDays: 30,
          apiToken: "nbp_credential",
          adoptToken: "nbp_adopted",
        }),
    ],
    ["tokens:gcore:UserToken", () => new UserToken("user", { userId: 1234, apiKey: "api-key" })],
    ["tokens:icp:RegistryToken", () => new RegistryToken("registry", { password: "p", idToken: "id" })],
  ] as const;

  for (const [token, make] of classes) {
    it(`${token}: the same outputs and secrets as the class`, async () => {
      const resource = make();
      await outputValue(resource.id);
      const plugin = RESOURCES[token];
      if (!plugin) throw new Error(`no ${token}`);
      // adoptToken is an input only: the class holds an Output for it because it was given. Packed
      // secrets are stored under one key the class reads them from; the plugin returns them by name.
      const packed = plugin.storedForm.packedSecrets?.key;
      const outputs = outputsOf(resource).filter((key) => key !== "adoptToken" && key !== packed);
      expect(new Set(outputs)).toEqual(new Set(plugin.outputs));
      const entry = registered.find((candidate) =>
        candidate.type.endsWith(`/${plugin.provider.details.vendor}:${plugin.type}`),
      );
      expect(new Set(entry?.additionalSecretOutputs)).toEqual(
        new Set([...plugin.secretOutputs, ...plugin.secretInputs, ...(packed ? [packed] : [])]),
      );
      expect(entry?.type).toBe(`pulumi-nodejs:dynamic/${plugin.provider.details.vendor}:${plugin.type}`);
    });
  }
});
