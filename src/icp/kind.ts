/**
 * The `icp.RegistryToken` kind (src/core/kind.ts): everything the front doors, the schema and the docs derive from.
 *
 * @module
 */
import type { TokenKind } from "../core/kind.ts";
import { REGISTRY_TOKEN } from "./definition.ts";
import { icpProvider } from "./provider.ts";
import { settingSource, storedSchema } from "./schemas.ts";

/** Short-lived Docker registry tokens from an IBM Cloud Private cluster's image-manager. */
export const registryTokenKind: TokenKind = {
  ...REGISTRY_TOKEN,
  title: "IBM Cloud Private registry tokens",
  classSource: "icp/registry-token.ts",
  provider: icpProvider,
  storedSchema,
  settings: settingSource,
  rotatedOutputs: ["token", "dockerConfigJson", "expiresAt", "rotatesAt"],
  objectTypes: {
    access: {
      name: "RegistryAccess",
      iface: "RegistryAccess",
      fields: { actions: { type: "array", items: { type: "string" } } },
    },
  },
};
