/**
 * The `registry.Token` kind (src/core/kind.ts): everything the front doors, the schema and the docs derive from.
 *
 * @module
 */
import type { TokenKind } from "../core/kind.ts";
import { TOKEN } from "./definition.ts";
import { registryProvider } from "./provider.ts";
import { settingSource, storedSchema } from "./schemas.ts";

/** Short-lived tokens of the Docker Registry v2 token protocol, for any registry that speaks it. */
export const tokenKind: TokenKind = {
  ...TOKEN,
  title: "Docker registry tokens (any registry of the v2 token protocol)",
  classSource: "registry/token.ts",
  provider: registryProvider,
  storedSchema,
  settings: settingSource,
  rotatedOutputs: ["token", "dockerConfigJson", "issuedAt", "expiresAt", "rotatesAt", "access"],
  objectTypes: {
    access: {
      name: "TokenAccess",
      iface: "TokenAccess",
      fields: { actions: { type: "array", items: { type: "string" } } },
    },
  },
};
