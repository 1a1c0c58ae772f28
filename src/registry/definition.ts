/**
 * What `registry.Token` declares about its properties: how the resource class registers with the engine
 * (core/token-resource.ts) and what the provider plugin (src/plugin) tells the engine. Kept apart from the
 * class so that the plugin does not load the Pulumi SDK.
 *
 * @module
 */
import type { StoredForm } from "../core/stored-form.ts";
import type { TokenResourceDefinition } from "../core/token-resource.ts";

/**
 * Default of `rotateBeforeSeconds`: 5 minutes. Tokens of 5 minutes or less (the protocol's default of
 * 60 s, Docker Hub's 300 s) are then fetched again on every `pulumi up`; Harbor's 30-minute and GitLab's
 * 15-minute tokens are kept for 25 and 10 minutes.
 */
export const DEFAULT_ROTATE_BEFORE_SECONDS = 300;
/** Default of `clientId`, sent as `client_id` with the OAuth2 grants. */
export const DEFAULT_CLIENT_ID = "pulumi-tokens";
/** Default of `grantType`. */
export const DEFAULT_GRANT_TYPE = "auto";

const DEFAULTS = {
  rotateBeforeSeconds: DEFAULT_ROTATE_BEFORE_SECONDS,
  clientId: DEFAULT_CLIENT_ID,
  grantType: DEFAULT_GRANT_TYPE,
};

/** Defaults left out of the state; the token and its docker config stored as one secret. */
export const STORED_FORM: StoredForm = {
  defaults: () => ({ ...DEFAULTS }),
  rotateBeforeMs: (outputs) => Number(outputs.rotateBeforeSeconds) * 1000,
  sources: [],
  packedSecrets: { key: "secrets", outputs: ["token", "dockerConfigJson"] },
};

/** The outputs, secret outputs and credential inputs of `registry.Token`. */
export const TOKEN: TokenResourceDefinition = {
  vendor: "registry",
  type: "Token",
  outputs: [
    "token",
    "issuedAt",
    "expiresAt",
    "rotatesAt",
    "access",
    "dockerConfigJson",
    "realm",
    "service",
    "registry",
    "registryUrl",
    "scopes",
    "trustedRealmHosts",
    "username",
    "password",
    "refreshToken",
    "clientId",
    "grantType",
    "caCertificate",
    "allowInsecureHttp",
    "rotateBeforeSeconds",
    "rotationTrigger",
  ],
  secretOutputs: ["token", "dockerConfigJson"],
  secretInputs: ["password", "refreshToken"],
  storedForm: STORED_FORM,
};
