/**
 * What `netbird.PersonalAccessToken` declares about its properties: how the resource class registers with the engine
 * (core/token-resource.ts) and what the provider plugin (src/plugin) tells the engine. Kept apart from the
 * class so that the plugin does not load the Pulumi SDK.
 *
 * @module
 */
import type { TokenResourceDefinition } from "../core/token-resource.ts";

/** The outputs, secret outputs and credential inputs of `PersonalAccessToken`. */
export const PERSONAL_ACCESS_TOKEN: TokenResourceDefinition = {
  vendor: "netbird",
  type: "PersonalAccessToken",
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
};
