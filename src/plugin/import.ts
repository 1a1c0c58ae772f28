/**
 * `pulumi import` of an existing credential: a Read with the import id and no state.
 *
 * Only a NetBird personal access token can be imported: `pulumi import tokens:netbird:PersonalAccessToken
 * <name> <userId>/<tokenId>` reads the token's metadata (name, expiry, creator) and stores it as if
 * the resource had issued it, so rotation, refresh and destroy (which revokes it) work as usual. The
 * plain token cannot be read back (NetBird returns it only once, when it is created): the imported
 * state's `token` is empty until the first rotation issues a new one. A Gcore JWT pair or an ICP
 * registry token cannot be looked up at all (they are bearer JWTs with no id at the API).
 *
 * @module
 */
import { DAY_MS } from "../core/rotation.ts";
import { connect } from "../netbird/api.ts";
import type { PluginResource } from "./resources.ts";

type Bag = Record<string, unknown>;

/** What Read answers for an import: the resource id, its inputs and its outputs; undefined if not found. */
export interface Imported {
  id: string;
  inputs: Bag;
  outputs: Bag;
}

/** A failed import, with a message for the user. */
export class ImportError extends Error {
  override name = "ImportError";
}

/** Reads the credential `importId` names; undefined when the API does not have it. */
export async function importCredential(
  resource: PluginResource,
  importId: string,
): Promise<Imported | undefined> {
  if (resource.token !== "tokens:netbird:PersonalAccessToken") {
    throw new ImportError(
      `${resource.token} cannot be imported: the API has no way to look up an existing credential ` +
        "(bearer JWTs with no id); declare the resource and let Pulumi issue one",
    );
  }
  const match = /^([^\s/]+)\/([^\s/]+)$/.exec(importId);
  if (!match || match[1] === "." || match[1] === ".." || match[2] === "." || match[2] === "..") {
    throw new ImportError(
      `the import id of ${resource.token} must be "<userId>/<tokenId>" (the NetBird user id and token id)`,
    );
  }
  const [, userId = "", tokenId = ""] = match;
  // The connection comes from the provider config or the environment, like every other operation.
  const info = await connect({}).getToken(userId, tokenId);
  if (info === undefined) return undefined;
  const lifetime = Date.parse(info.expiresAt) - Date.parse(info.createdAt);
  const expiresInDays = Math.min(365, Math.max(1, Math.round(lifetime / DAY_MS)));
  // What a program declares for it: the inputs `pulumi import` writes into the generated code.
  const inputs: Bag = { userId, name: info.name, expiresInDays };
  const state: Bag = {
    tokenId: info.id,
    token: "",
    expiresAt: info.expiresAt,
    createdAt: info.createdAt,
    createdBy: info.createdBy,
    ...(info.lastUsed === undefined ? {} : { lastUsed: info.lastUsed }),
    status: "active",
  };
  const stored = resource.provider.details.stateFor(inputs, state);
  return { id: stored.id, inputs, outputs: stored.outputs };
}
