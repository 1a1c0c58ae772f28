/**
 * The three resources the plugin serves: each type token, the vendor's token provider (the same
 * object the dynamic resources run), and what the engine must know about its properties.
 *
 * The property lists repeat what each resource class declares in its `DEFINITION`
 * (src/<vendor>/<resource>.ts), which is not exported; test/plugin/resources.test.ts registers each
 * class under Pulumi's mocks and fails when the two differ.
 *
 * @module
 */
import type { TokenProvider } from "../core/token-provider.ts";
import { gcoreProvider } from "../gcore/provider.ts";
import { icpProvider } from "../icp/provider.ts";
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
      outputs: [
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
      ],
      secretOutputs: ["token", "previousToken"],
      secretInputs: ["apiToken", "adoptToken"],
      rotatedOutputs: ["token", "tokenId", "expiresAt", "rotatesAt"],
    },
    {
      token: `${PACKAGE}:gcore:UserToken`,
      type: "UserToken",
      source: "gcore/user-token.ts",
      provider: gcoreProvider,
      outputs: [
        "userId",
        "rotateBeforeMinutes",
        "rotationTrigger",
        "apiUrl",
        "apiKey",
        "caCertificate",
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
      ],
      secretOutputs: ["accessToken", "refreshToken"],
      secretInputs: ["apiKey"],
      rotatedOutputs: ["accessToken", "refreshToken", "expiresAt", "rotatesAt"],
    },
    {
      token: `${PACKAGE}:icp:RegistryToken`,
      type: "RegistryToken",
      source: "icp/registry-token.ts",
      provider: icpProvider,
      outputs: [
        "token",
        "issuedAt",
        "expiresAt",
        "rotatesAt",
        "registry",
        "access",
        "dockerConfigJson",
        "clusterUrl",
        "scope",
        "rotateBeforeMinutes",
        "rotationTrigger",
        "username",
        "password",
        "idToken",
        "caCertificate",
        "insecureSkipTlsVerify",
      ],
      secretOutputs: ["token", "dockerConfigJson"],
      secretInputs: ["password", "idToken"],
      rotatedOutputs: ["token", "dockerConfigJson", "expiresAt", "rotatesAt"],
    },
  ].map((resource: PluginResource) => [resource.token, resource]),
);

/** The resource of a type token, or undefined. */
export function resourceOf(token: string): PluginResource | undefined {
  return Object.hasOwn(RESOURCES, token) ? RESOURCES[token] : undefined;
}
