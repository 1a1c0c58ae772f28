/**
 * The `gcore.UserToken` kind (src/core/kind.ts): everything the front doors, the schema and the docs derive from.
 *
 * @module
 */
import type { TokenKind } from "../core/kind.ts";
import { settingSource } from "./api.ts";
import { USER_TOKEN } from "./definition.ts";
import { gcoreProvider } from "./provider.ts";
import { storedSchema } from "./schemas.ts";

/** A Gcore user's JWT pair, issued by a reseller and renewed through the refresh endpoint. */
export const userTokenKind: TokenKind = {
  ...USER_TOKEN,
  title: "Gcore user JWTs",
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
