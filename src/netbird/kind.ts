/**
 * The `netbird.PersonalAccessToken` kind (src/core/kind.ts): everything the front doors, the schema and the docs
 * derive from.
 *
 * @module
 */
import type { TokenKind } from "../core/kind.ts";
import { PERSONAL_ACCESS_TOKEN } from "./definition.ts";
import { personalAccessTokenImport } from "./import.ts";
import { netbirdProvider } from "./provider.ts";
import { storedSchema } from "./schemas.ts";
import { settingSource } from "./settings.ts";

/** NetBird personal access tokens of the management API. */
export const personalAccessTokenKind: TokenKind = {
  ...PERSONAL_ACCESS_TOKEN,
  title: "NetBird personal access tokens",
  description:
    "A NetBird personal access token with time-based rotation.\n" +
    "\n" +
    "- `pulumi up` issues the token (POST `/api/users/{userId}/tokens`). Later runs do nothing, with no API\n" +
    "  call, until `rotatesAt` (= `expiresAt − rotateBeforeDays`) or a changed `rotationTrigger`; then an\n" +
    "  in-place update issues a new token, keeps the old one valid as `previous…` and revokes the one before\n" +
    "  it (or, with `revokePrevious`, revokes the old one at once). The resource id (`userId/name`) " +
    "never changes.\n" +
    "- `pulumi up --refresh` reads the token: a token deleted outside Pulumi is issued again in the same run,\n" +
    "  and a still-valid previous token stays tracked until the next rotation revokes it.\n" +
    "- `pulumi destroy` revokes the current, previous and any pending tokens.\n" +
    "\n" +
    "Limits: rotation happens only when Pulumi runs, so schedule `pulumi up` more often than " +
    "`rotateBeforeDays`. Settings taken from stack config or the environment are read at run time; only " +
    "`managementUrl` is stored. A create whose answer is lost is reconciled by token name and creation " +
    "time (allowing one minute of clock skew): do not reuse a token name for the same user elsewhere.",
  outputDescriptions: {
    userId: "The owner's user id.",
    name: "The token's name.",
    expiresInDays: "Lifetime of each issued token, in days.",
    rotateBeforeDays: "The rotate-before window in days, default applied.",
    revokePrevious: "Whether a rotation revokes the old token at once.",
    rotationTrigger: "The rotation trigger, as given.",
    managementUrl:
      "The management API this token lives in (resolved from input, config, environment or default).",
    apiToken:
      "The `apiToken` input, when one was given (otherwise the credential is read from config or env at " +
      "run time). Secret.",
    caCertificate: "The `caCertificate` input, when one was given.",
    tokenId: "The current token's id at the API.",
    token: "The current plain token (`nbp_…`). Secret.",
    expiresAt: "When the current token expires (RFC 3339).",
    rotatesAt: "From when a `pulumi up` rotates (RFC 3339).",
    createdAt: "When the current token was created (RFC 3339).",
    createdBy: "The id of the user whose credential created the current token.",
    lastUsed:
      "When the current token was last used (RFC 3339), as of the last refresh; undefined if never or unknown.",
    status:
      '"active", or "missing" after a refresh found the current token deleted (the next `up` issues a new one).',
    previousTokenId: "The previous token's id, still valid until the next rotation; undefined when none.",
    previousToken: "The previous plain token. Secret.",
    previousExpiresAt: "When the previous token expires (RFC 3339).",
    pendingRevocations:
      "Tokens whose revocation failed; retried at the next rotation or destroy. Undefined when none.",
  },
  classSource: "netbird/personal-access-token.ts",
  provider: netbirdProvider,
  storedSchema,
  settings: settingSource,
  rotatedOutputs: ["token", "tokenId", "expiresAt", "rotatesAt"],
  objectTypes: {
    pendingRevocations: {
      name: "PendingRevocation",
      iface: "PersonalAccessTokenPendingRevocation",
      fields: {
        tokenId: { description: "The token's id." },
        expiresAt: {
          description: "When it expires (RFC 3339); once past, the token cannot authenticate anyway.",
        },
      },
    },
  },
  import: personalAccessTokenImport,
};
