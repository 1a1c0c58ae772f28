/**
 * The `icp.RegistryToken` kind (src/core/kind.ts): everything the front doors, the schema and the docs derive from.
 *
 * @module
 */
import type { TokenKind } from "../core/kind.ts";
import { REGISTRY_TOKEN } from "./definition.ts";
import { icpProvider } from "./provider.ts";
import { storedSchema } from "./schemas.ts";
import { settingSource } from "./settings.ts";

/** Short-lived Docker registry tokens from an IBM Cloud Private cluster's image-manager. */
export const registryTokenKind: TokenKind = {
  ...REGISTRY_TOKEN,
  title: "IBM Cloud Private registry tokens",
  description:
    "A Docker registry token (JWT, 30 minutes) from an IBM Cloud Private cluster's image-manager, as a " +
    "raw `token` (send it as `Authorization: Bearer`) and as `dockerConfigJson`, a Docker client config " +
    "that Docker, crane and buildkit use as is. Not for Kubernetes `imagePullSecrets`: the kubelet reads " +
    "only username/password credentials, which a registry JWT cannot be (docs/icp.md).\n" +
    "\n" +
    "With `username`/`password` it first asks the cluster's identity provider for an ID token, then gets " +
    "the registry token with it; with `idToken` it only does the second call. A plain `pulumi up` before " +
    "`rotatesAt` calls nothing; from `rotatesAt` on, it fetches a new token in place (the old one simply " +
    "expires; nothing can revoke it). `pulumi refresh` decodes the stored token locally: once expired " +
    "the resource is gone and `pulumi up --refresh` creates it again.\n" +
    "\n" +
    "Limits: ICP has no revoke endpoint, so `destroy` only forgets the token (it stays valid until it " +
    "expires). Claims (`access`, expiry) are decoded, not verified. A token only stays fresh if `pulumi " +
    "up` runs at least every `30 − rotateBeforeMinutes` minutes.",
  outputDescriptions: {
    token: "The registry JWT (secret).",
    issuedAt: "When the token was issued (RFC 3339).",
    expiresAt: "When the token stops working (RFC 3339), from its `exp` claim.",
    rotatesAt: "`expiresAt − rotateBeforeMinutes`: the first `pulumi up` from then on fetches a new token.",
    registry: "The registry host (`host:port`) the token and `dockerConfigJson` are for.",
    access: "What the token grants (its `access` claim, decoded, not verified); empty without `scope`.",
    dockerConfigJson:
      '`{"auths":{"<registry>":{"registrytoken":"<token>"}}}` (secret): a Docker client config ' +
      "(`$DOCKER_CONFIG/config.json`) that Docker, crane and buildkit send as `Authorization: Bearer`. " +
      "The kubelet ignores `registrytoken`: do not use it for `imagePullSecrets`.",
    clusterUrl: "The cluster endpoint used (the input, or the resolved stack config / environment value).",
    scope: "The scope asked for, if any.",
    service: "The token service name sent (the token's `aud`).",
    rotateBeforeMinutes: "The rotate-before window in minutes.",
    rotationTrigger: "The rotation trigger (input), if any.",
    username: "The `username` input, when one was given (config and environment values are not stored).",
    password: "The `password` input, when one was given (secret).",
    idToken: "The `idToken` input, when one was given (secret).",
    caCertificate: "The `caCertificate` input, when one was given.",
    insecureSkipTlsVerify: "The `insecureSkipTlsVerify` input, when one was given.",
  },
  classSource: "icp/registry-token.ts",
  provider: icpProvider,
  storedSchema,
  settings: settingSource,
  rotatedOutputs: ["token", "dockerConfigJson", "expiresAt", "rotatesAt"],
  objectTypes: {
    access: {
      name: "RegistryAccess",
      iface: "RegistryAccess",
      fields: {
        type: { description: "e.g. `repository`." },
        class: { description: "Resource class, when the cluster sent one (deprecated in the protocol)." },
        name: { description: "e.g. `ns/app`." },
        actions: {
          description:
            'Granted actions, e.g. `["pull"]`; empty when the user may do none of the requested ones.',
          type: "array",
          items: { type: "string" },
        },
      },
    },
  },
};
