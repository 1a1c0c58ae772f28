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
/** Default of `service`: the token service name of ICP's image-manager (`service=token-service`). */
export const DEFAULT_SERVICE = "token-service";

const windowForm = minutesWindowForm(DEFAULT_ROTATE_BEFORE_MINUTES, ["token", "dockerConfigJson"]);

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
    "service",
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
  // One secret instead of two, and `service` left out while it is the default: see core/stored-form.ts.
  // State written before `service` existed reads as the default, so it neither differs nor replaces.
  storedForm: {
    ...windowForm,
    defaults: (stored) => ({ ...windowForm.defaults(stored), service: DEFAULT_SERVICE }),
  },
};
