/**
 * The `gcore.UserToken` kind (src/core/kind.ts): everything the front doors, the schema and the docs derive from.
 *
 * @module
 */
import type { TokenKind } from "../core/kind.ts";
import { USER_TOKEN } from "./definition.ts";
import { gcoreProvider } from "./provider.ts";
import { storedSchema } from "./schemas.ts";
import { settingSource } from "./settings.ts";

/** A Gcore user's JWT pair, issued by a reseller and renewed through the refresh endpoint. */
export const userTokenKind: TokenKind = {
  ...USER_TOKEN,
  title: "Gcore user JWTs",
  description:
    "A Gcore user's JWT pair (access token: 1 h, refresh token: 24 h), issued through the reseller " +
    "endpoint `GET /iam/auth/jwt/users/{userId}/token`.\n" +
    "\n" +
    "- A plain `pulumi up` before `rotatesAt` calls no API. At or after `rotatesAt` (or when\n" +
    "  `rotationTrigger` changes) it renews the pair in place through `POST /iam/auth/jwt/refresh`.\n" +
    "  When the refresh token has expired, was rejected (blacklisted) or the refresh answer was lost,\n" +
    "  it issues a new pair through the reseller endpoint instead and says why in the engine log.\n" +
    "- `pulumi refresh` / `up --refresh` drop the resource when both tokens have expired or the user\n" +
    "  no longer exists (`up --refresh` then issues a new pair in the same run).\n" +
    "\n" +
    "Limits: Gcore has no endpoint that revokes a JWT. Renewal blacklists the old refresh token, but an " +
    "old access token stays valid until its `exp` (at most 1 h), and `pulumi destroy` only forgets the " +
    "pair: its access token stays valid up to 1 h and its refresh token up to 24 h. The identity outputs " +
    "are decoded from the access token, not verified. Run `pulumi up` at least once every `60 − " +
    "rotateBeforeMinutes` minutes if consumers need an access token that is always valid.",
  outputDescriptions: {
    userId: "The user id (input).",
    rotateBeforeMinutes: "The rotate-before window in minutes (input, default applied).",
    rotationTrigger: "The rotation trigger (input), if any.",
    apiUrl: "The API this pair was issued by (resolved from input, config, environment or default).",
    apiKey: "The API key given as input, if any (secret).",
    caCertificate: "The `caCertificate` input, when one was given.",
    accessToken: "The access JWT, for `Authorization: Bearer <token>` (secret).",
    refreshToken: "The refresh JWT (secret). Used once by the next renewal, which blacklists it.",
    accessExpiresAt: "When the access token expires (RFC 3339, its `exp` claim).",
    refreshExpiresAt: "When the refresh token expires (RFC 3339, its `exp` claim).",
    expiresAt: "Same as `accessExpiresAt`: the expiry the rotation schedule is based on.",
    rotatesAt: "When a plain `pulumi up` renews the pair: `accessExpiresAt − rotateBeforeMinutes`.",
    clientId: "The user's account (client) id, from the `client_id` claim.",
    userType: 'The user type, e.g. "common", from the `user_type` claim.',
    username: "The login name (usually the e-mail), from the `username` claim.",
    email: "The e-mail address, from the `email` claim.",
    userGroups: 'The user\'s groups (roles), e.g. ["Administrators"], from the `user_groups` claim.',
    clientName: "The account (company) name, from the `client_name` claim.",
  },
  classSource: "gcore/user-token.ts",
  provider: gcoreProvider,
  storedSchema,
  settings: settingSource,
  rotatedOutputs: ["accessToken", "refreshToken", "expiresAt", "rotatesAt"],
  // Decoded from the access token's claims: the stored schema keeps them loosely typed.
  outputTypes: {
    clientId: { type: "integer" },
    userType: { type: "string" },
    username: { type: "string" },
    email: { type: "string" },
    userGroups: { type: "array", items: { type: "string" } },
    clientName: { type: "string" },
    userId: { type: "integer" },
  },
};
