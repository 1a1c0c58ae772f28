/**
 * The program-side base class of every token resource: how a resource registers with the engine.
 *
 * - Every output key is passed as `undefined`, so the engine exposes it as an output property.
 * - Credential inputs are wrapped with `pulumi.secret` (stored encrypted even when given as plain
 *   strings) and, like the secret outputs, listed in `additionalSecretOutputs`: a dynamic provider
 *   cannot return secrets itself.
 * - The provider is the vendor's serializable shim, one object per vendor, because Pulumi caches the
 *   serialized closure per provider object.
 *
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import type { Vendor } from "../errors.ts";
import { createProviderShim } from "./provider-shim.ts";

/** What a token resource class declares about itself. */
export interface TokenResourceDefinition {
  vendor: Vendor;
  /** The type name; the type token becomes `pulumi-nodejs:dynamic/<vendor>:<type>`. */
  type: string;
  /** Every output key the class declares. */
  outputs: readonly string[];
  /** Outputs that hold secrets. */
  secretOutputs: readonly string[];
  /** Credential inputs: sent to the engine as secrets and stored as secret outputs. */
  secretInputs: readonly string[];
}

const shims = new Map<Vendor, pulumi.dynamic.ResourceProvider>();

function shimFor(vendor: Vendor): pulumi.dynamic.ResourceProvider {
  let shim = shims.get(vendor);
  if (!shim) {
    shim = createProviderShim("pulumi-tokens/providers", vendor);
    shims.set(vendor, shim);
  }
  return shim;
}

function registrationProps(definition: TokenResourceDefinition, args: object): Record<string, unknown> {
  const given = args as Record<string, unknown>;
  const secrets = definition.secretInputs
    .filter((key) => given[key] !== undefined)
    .map((key) => [key, pulumi.secret(given[key])]);
  return {
    ...Object.fromEntries(definition.outputs.map((key) => [key, undefined])),
    ...given,
    ...Object.fromEntries(secrets),
  };
}

/** Base class of `netbird.PersonalAccessToken`, `gcore.UserToken` and `icp.RegistryToken`. */
export abstract class TokenResource extends pulumi.dynamic.Resource {
  protected constructor(
    definition: TokenResourceDefinition,
    name: string,
    args: object,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      shimFor(definition.vendor),
      name,
      registrationProps(definition, args),
      pulumi.mergeOptions(opts, {
        additionalSecretOutputs: [...definition.secretOutputs, ...definition.secretInputs],
      }),
      definition.vendor,
      definition.type,
    );
  }
}
