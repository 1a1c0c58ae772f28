/**
 * The `netbird.PersonalAccessToken` kind (src/core/kind.ts): everything the front doors, the schema and the docs
 * derive from.
 *
 * @module
 */
import type { TokenKind } from "../core/kind.ts";
import { settingSource } from "./api.ts";
import { PERSONAL_ACCESS_TOKEN } from "./definition.ts";
import { personalAccessTokenImport } from "./import.ts";
import { netbirdProvider } from "./provider.ts";
import { storedSchema } from "./schemas.ts";

/** NetBird personal access tokens of the management API. */
export const personalAccessTokenKind: TokenKind = {
  ...PERSONAL_ACCESS_TOKEN,
  title: "NetBird personal access tokens",
  classSource: "netbird/personal-access-token.ts",
  provider: netbirdProvider,
  storedSchema,
  settings: settingSource,
  rotatedOutputs: ["token", "tokenId", "expiresAt", "rotatesAt"],
  objectTypes: {
    pendingRevocations: { name: "PendingRevocation", iface: "PersonalAccessTokenPendingRevocation" },
  },
  import: personalAccessTokenImport,
};
