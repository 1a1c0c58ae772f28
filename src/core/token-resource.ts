/**
 * The program-side base class of every token resource: how a resource registers with the engine.
 *
 * - Every output key is passed as `undefined`, so the engine exposes it as an output property.
 * - Credential inputs are wrapped with `pulumi.secret` (stored encrypted even when given as plain
 *   strings) and, like the secret outputs, listed in `additionalSecretOutputs`: a dynamic provider
 *   cannot return secrets itself.
 * - The resource registers the way `pulumi.dynamic.Resource` does (type `pulumi-nodejs:dynamic/<vendor>:<type>`,
 *   the provider as the `__provider` input), but `__provider` is the hand-written text of
 *   {@link providerSource} (about 250 bytes) instead of a closure Pulumi serializes (2.7 KB in 0.1.0).
 *   The type tokens are those of 0.1.0, so existing stacks keep their resources.
 *
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import type { Vendor } from "../errors.ts";
import { providerSource } from "./provider-shim.ts";

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

/** The module the stored provider text loads, resolved from the program's directory. */
const PROVIDERS_MODULE = "pulumi-tokens/providers";

function registrationProps(definition: TokenResourceDefinition, args: object): Record<string, unknown> {
  const given = args as Record<string, unknown>;
  if ("__provider" in given) throw new Error("a token resource must not define the __provider key");
  const secrets = definition.secretInputs
    .filter((key) => given[key] !== undefined)
    .map((key) => [key, pulumi.secret(given[key])]);
  return {
    ...Object.fromEntries(definition.outputs.map((key) => [key, undefined])),
    ...given,
    ...Object.fromEntries(secrets),
    __provider: providerSource(PROVIDERS_MODULE, definition.vendor),
  };
}

/** Base class of `netbird.PersonalAccessToken`, `gcore.UserToken` and `icp.RegistryToken`. */
export abstract class TokenResource extends pulumi.CustomResource {
  protected constructor(
    definition: TokenResourceDefinition,
    name: string,
    args: object,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      `pulumi-nodejs:dynamic/${definition.vendor}:${definition.type}`,
      name,
      registrationProps(definition, args),
      pulumi.mergeOptions(opts, {
        additionalSecretOutputs: [...definition.secretOutputs, ...definition.secretInputs],
      }),
    );
  }
}
