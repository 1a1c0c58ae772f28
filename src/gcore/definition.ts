/**
 * What `gcore.UserToken` declares about its properties: how the resource class registers with the engine
 * (core/token-resource.ts) and what the provider plugin (src/plugin) tells the engine. Kept apart from the
 * class so that the plugin does not load the Pulumi SDK.
 *
 * @module
 */
import { minutesWindowForm } from "../core/stored-form.ts";
import type { TokenResourceDefinition } from "../core/token-resource.ts";

/** Default rotate-before window, in minutes. */
export const DEFAULT_ROTATE_BEFORE_MINUTES = 10;

/** The outputs, secret outputs and credential inputs of `UserToken`. */
export const USER_TOKEN: TokenResourceDefinition = {
  vendor: "gcore",
  type: "UserToken",
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
  // One secret instead of two: see core/stored-form.ts.
  storedForm: minutesWindowForm(DEFAULT_ROTATE_BEFORE_MINUTES, ["accessToken", "refreshToken"]),
};
