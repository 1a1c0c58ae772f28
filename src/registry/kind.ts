/**
 * The `registry.Token` kind (src/core/kind.ts): everything the front doors, the schema and the docs derive from.
 *
 * @module
 */
import type { TokenKind } from "../core/kind.ts";
import { TOKEN } from "./definition.ts";
import { registryProvider } from "./provider.ts";
import { storedSchema } from "./schemas.ts";
import { settingSource } from "./settings.ts";

/** Short-lived tokens of the Docker Registry v2 token protocol, for any registry that speaks it. */
export const tokenKind: TokenKind = {
  ...TOKEN,
  title: "Docker registry tokens (any registry of the v2 token protocol)",
  description:
    "A short-lived registry token from any token server of the Docker Registry v2 token protocol (the CNCF distribution registry's, Harbor, GitLab, Docker Hub, …), as a raw `token` (send it as `Authorization: Bearer`) and as `dockerConfigJson` (`registrytoken`, which docker, crane and buildkit use as is). A plain `pulumi up` before `rotatesAt` calls nothing; from then on it fetches a new token in place. The protocol has no revoke: `destroy` forgets the token, which works until it expires. See docs/registry.md.",
  outputDescriptions: {
    token: "The registry token, a JWT or opaque (secret).",
    issuedAt: "When the token was issued (RFC 3339).",
    expiresAt: "When the token stops working (RFC 3339).",
    rotatesAt: "`expiresAt − rotateBeforeSeconds`: the first `pulumi up` from then on fetches a new token.",
    access:
      "What the token grants: a JWT's `access` claim; for an opaque token, the scopes asked for (not verified).",
    dockerConfigJson: '`{"auths":{"<registry>":{"registrytoken":"<token>"}}}` (secret).',
    realm: "The token server's URL used (the input, or the challenge's).",
    service: "The service name used (the token's audience).",
    registry: "The `host[:port]` of the `dockerConfigJson` entry.",
    registryUrl: "The `registryUrl` input.",
    scopes: "The scopes asked for.",
    trustedRealmHosts: "The `trustedRealmHosts` input.",
    username: "The `username` input, when one was given.",
    password: "The `password` input, when one was given (secret).",
    refreshToken: "The `refreshToken` input, when one was given (secret).",
    clientId: "The `client_id` sent.",
    grantType: "The grant type.",
    caCertificate: "The `caCertificate` input, when one was given.",
    allowInsecureHttp: "The `allowInsecureHttp` input, when one was given.",
    rotateBeforeSeconds: "The rotate-before window in seconds.",
    rotationTrigger: "The rotation trigger (input), if any.",
  },
  classSource: "registry/token.ts",
  provider: registryProvider,
  storedSchema,
  settings: settingSource,
  rotatedOutputs: ["token", "dockerConfigJson", "issuedAt", "expiresAt", "rotatesAt", "access"],
  objectTypes: {
    access: {
      name: "TokenAccess",
      iface: "TokenAccess",
      fields: {
        type: { description: "e.g. `repository`." },
        class: { description: "Resource class, when the server sent one." },
        name: { description: "e.g. `team/app`." },
        actions: {
          description: 'Granted actions, e.g. `["pull"]`.',
          type: "array",
          items: { type: "string" },
        },
      },
    },
  },
};
