/**
 * What `netbird.PersonalAccessToken` declares about its properties: how the resource class registers with the engine
 * (core/token-resource.ts) and what the provider plugin (src/plugin) tells the engine. Kept apart from the
 * class so that the plugin does not load the Pulumi SDK.
 *
 * @module
 */
import { DAY_MS, defaultWindow } from "../core/rotation.ts";
import type { TokenResourceDefinition } from "../core/token-resource.ts";

/** Preferred rotate-before window, in days, when `rotateBeforeDays` is not set. */
export const DEFAULT_ROTATE_BEFORE_DAYS = 7;

/** `min(7 days, a third of the lifetime)`, in days (may be fractional for very short lifetimes). */
export function defaultRotateBeforeDays(expiresInDays: number): number {
  return defaultWindow(DEFAULT_ROTATE_BEFORE_DAYS * DAY_MS, expiresInDays * DAY_MS) / DAY_MS;
}

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
  storedForm: {
    defaults: (stored) => ({
      rotateBeforeDays: defaultRotateBeforeDays(Number(stored.expiresInDays)),
      revokePrevious: false,
      status: "active",
    }),
    rotateBeforeMs: (outputs) => Math.round(Number(outputs.rotateBeforeDays) * DAY_MS),
    sources: ["expiresInDays"],
  },
};
