/**
 * `pulumi import` of an existing NetBird personal access token: `pulumi import
 * tokens:netbird:PersonalAccessToken <name> <userId>/<tokenId>` reads the token's metadata (name, expiry, creator)
 * and stores it as if the resource had issued it, so rotation, refresh and destroy (which revokes it) work as
 * usual. The plain token cannot be read back (NetBird returns it only once, when it is created): the imported
 * state's `token` is empty until the first rotation issues a new one.
 *
 * @module
 */
import type { TokenImport } from "../core/kind.ts";
import { DAY_MS } from "../core/rotation.ts";
import { connect } from "./api.ts";

/** How a NetBird personal access token is imported. */
export const personalAccessTokenImport: TokenImport = {
  idForm: '"<userId>/<tokenId>" (the NetBird user id and token id)',
  parseId(importId) {
    const match = /^([^\s/]+)\/([^\s/]+)$/.exec(importId);
    if (!match || [match[1], match[2]].some((part) => part === "." || part === "..")) return undefined;
    return { userId: match[1] ?? "", tokenId: match[2] ?? "" };
  },
  async read({ userId = "", tokenId = "" }) {
    // The connection comes from the provider config or the environment, like every other operation.
    const info = await connect({}).getToken(userId, tokenId);
    if (info === undefined) return undefined;
    const lifetime = Date.parse(info.expiresAt) - Date.parse(info.createdAt);
    const expiresInDays = Math.min(365, Math.max(1, Math.round(lifetime / DAY_MS)));
    return {
      // What a program declares for it: the inputs `pulumi import` writes into the generated code.
      inputs: { userId, name: info.name, expiresInDays },
      state: {
        tokenId: info.id,
        token: "",
        expiresAt: info.expiresAt,
        createdAt: info.createdAt,
        createdBy: info.createdBy,
        ...(info.lastUsed === undefined ? {} : { lastUsed: info.lastUsed }),
        status: "active",
      },
    };
  },
};
