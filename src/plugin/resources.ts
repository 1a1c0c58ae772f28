/**
 * The three resources the plugin serves: each type token, the vendor's token provider (the same
 * object the dynamic resources run), and what the engine must know about its properties.
 *
 * The property lists are the resource classes' own (src/<vendor>/definition.ts);
 * test/plugin/resources.test.ts also registers each class under Pulumi's mocks and compares.
 *
 * @module
 */
import type { StoredForm } from "../core/stored-form.ts";
import type { TokenProvider } from "../core/token-provider.ts";
import { USER_TOKEN } from "../gcore/definition.ts";
import { gcoreProvider } from "../gcore/provider.ts";
import { REGISTRY_TOKEN } from "../icp/definition.ts";
import { icpProvider } from "../icp/provider.ts";
import { PERSONAL_ACCESS_TOKEN } from "../netbird/definition.ts";
import { netbirdProvider } from "../netbird/provider.ts";

/** The package name: type tokens are `tokens:<vendor>:<Type>`, config keys `tokens:<key>`. */
export const PACKAGE = "tokens";

/** One resource type of the plugin. */
export interface PluginResource {
  /** e.g. `tokens:netbird:PersonalAccessToken`. */
  token: string;
  /** The resource class, e.g. `PersonalAccessToken`. */
  type: string;
  /** The source file of the resource class (its JSDoc gives the schema's descriptions). */
  source: string;
  provider: TokenProvider;
  /** Every output the resource class declares. */
  outputs: readonly string[];
  /** Outputs that hold credentials: always returned as secrets. */
  secretOutputs: readonly string[];
  /** Credential inputs: always returned as secrets (and so stored encrypted), like the class does. */
  secretInputs: readonly string[];
  /** What the provider leaves out of its results; the plugin returns every output (core/stored-form.ts). */
  storedForm: StoredForm;
  /** The outputs a rotation replaces: a due rotation shows as an update of these in the detailed diff. */
  rotatedOutputs: readonly string[];
}

/** The resources, keyed by type token. */
export const RESOURCES: Readonly<Record<string, PluginResource>> = Object.fromEntries(
  [
    {
      token: `${PACKAGE}:netbird:PersonalAccessToken`,
      type: "PersonalAccessToken",
      source: "netbird/personal-access-token.ts",
      provider: netbirdProvider,
      outputs: PERSONAL_ACCESS_TOKEN.outputs,
      secretOutputs: PERSONAL_ACCESS_TOKEN.secretOutputs,
      secretInputs: PERSONAL_ACCESS_TOKEN.secretInputs,
      storedForm: PERSONAL_ACCESS_TOKEN.storedForm,
      rotatedOutputs: ["token", "tokenId", "expiresAt", "rotatesAt"],
    },
    {
      token: `${PACKAGE}:gcore:UserToken`,
      type: "UserToken",
      source: "gcore/user-token.ts",
      provider: gcoreProvider,
      outputs: USER_TOKEN.outputs,
      secretOutputs: USER_TOKEN.secretOutputs,
      secretInputs: USER_TOKEN.secretInputs,
      storedForm: USER_TOKEN.storedForm,
      rotatedOutputs: ["accessToken", "refreshToken", "expiresAt", "rotatesAt"],
    },
    {
      token: `${PACKAGE}:icp:RegistryToken`,
      type: "RegistryToken",
      source: "icp/registry-token.ts",
      provider: icpProvider,
      outputs: REGISTRY_TOKEN.outputs,
      secretOutputs: REGISTRY_TOKEN.secretOutputs,
      secretInputs: REGISTRY_TOKEN.secretInputs,
      storedForm: REGISTRY_TOKEN.storedForm,
      rotatedOutputs: ["token", "dockerConfigJson", "expiresAt", "rotatesAt"],
    },
  ].map((resource: PluginResource) => [resource.token, resource]),
);

/** The resource of a type token, or undefined. */
export function resourceOf(token: string): PluginResource | undefined {
  return Object.hasOwn(RESOURCES, token) ? RESOURCES[token] : undefined;
}
