/**
 * What `icp.RegistryToken` declares about its properties: how the resource class registers with the engine
 * (core/token-resource.ts) and what the provider plugin (src/plugin) tells the engine. Kept apart from the
 * class so that the plugin does not load the Pulumi SDK.
 *
 * @module
 */
import { minutesWindowForm } from "../core/stored-form.ts";
import type { TokenResourceDefinition } from "../core/token-resource.ts";

/** Default of `rotateBeforeMinutes`. */
export const DEFAULT_ROTATE_BEFORE_MINUTES = 5;

/** The outputs, secret outputs and credential inputs of `RegistryToken`. */
export const REGISTRY_TOKEN: TokenResourceDefinition = {
  vendor: "icp",
  type: "RegistryToken",
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
  // One secret instead of two: see core/stored-form.ts.
  storedForm: minutesWindowForm(DEFAULT_ROTATE_BEFORE_MINUTES, ["token", "dockerConfigJson"]),
};
