/**
 * `pulumi import` of an existing credential: a Read with the import id and no state. A kind that can look a
 * credential up at its API says how in its descriptor (`import`, src/core/kind.ts); the imported credential is
 * then stored as if the resource had issued it, so rotation, refresh and destroy work as usual.
 *
 * @module
 */
import type { Properties } from "../core/properties.ts";
import type { PluginResource } from "./resources.ts";

/** What Read answers for an import: the resource id, its inputs and its outputs; undefined if not found. */
export interface Imported {
  id: string;
  inputs: Properties;
  outputs: Properties;
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
  const importer = resource.import;
  if (importer === undefined) {
    throw new ImportError(
      `${resource.token} cannot be imported: the API has no way to look up an existing credential ` +
        "(bearer JWTs with no id); declare the resource and let Pulumi issue one",
    );
  }
  const id = importer.parseId(importId);
  if (id === undefined)
    throw new ImportError(`the import id of ${resource.token} must be ${importer.idForm}`);
  const found = await importer.read(id);
  if (found === undefined) return undefined;
  const stored = resource.provider.details.stateFor(found.inputs, found.state);
  return { id: stored.id, inputs: found.inputs, outputs: stored.outputs };
}
