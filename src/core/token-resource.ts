/**
 * How every token resource class registers with the engine (each class calls
 * `super(...tokenRegistration(…))` inside {@link withoutPromiseStacks}).
 *
 * - Every output key is passed as `undefined`, so the engine exposes it as an output property.
 * - Credential inputs are wrapped with `pulumi.secret` (stored encrypted even when given as plain
 *   strings) and, when given, listed with the secret outputs in `additionalSecretOutputs`: a dynamic
 *   provider cannot return secrets itself.
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

function registrationProps(
  definition: TokenResourceDefinition,
  given: Record<string, unknown>,
): pulumi.Inputs {
  if ("__provider" in given) throw new Error("a token resource must not define the __provider key");
  const secrets = givenSecretInputs(definition, given).map((key) => [key, pulumi.secret(given[key])]);
  return {
    ...Object.fromEntries(definition.outputs.map((key) => [key, undefined])),
    ...given,
    ...Object.fromEntries(secrets),
    __provider: providerSource(PROVIDERS_MODULE, definition.vendor),
  };
}

function givenSecretInputs(definition: TokenResourceDefinition, given: Record<string, unknown>): string[] {
  return definition.secretInputs.filter((key) => given[key] !== undefined);
}

/**
 * The arguments of `pulumi.CustomResource`'s constructor for a token resource: each class calls
 * `super(...tokenRegistration(…))` inside {@link withoutPromiseStacks}.
 *
 * The classes extend `pulumi.CustomResource` directly, with no base class of ours in between: the SDK
 * takes the resource's source position from a fixed depth of the constructor stack, and one more
 * constructor would make it point into this package instead of the program's `new` line.
 */
export function tokenRegistration(
  definition: TokenResourceDefinition,
  name: string,
  args: object,
  opts: pulumi.CustomResourceOptions | undefined,
): [type: string, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions] {
  const given = args as Record<string, unknown>;
  return [
    `pulumi-nodejs:dynamic/${definition.vendor}:${definition.type}`,
    name,
    registrationProps(definition, given),
    pulumi.mergeOptions(opts, {
      additionalSecretOutputs: [...definition.secretOutputs, ...givenSecretInputs(definition, given)],
    }),
  ];
}

/**
 * Sets `Error.stackTraceLimit` to 0 for a resource registration and returns what restores it.
 *
 * The SDK wraps each output property in four promises and records `new Error().stack` on each, only
 * for its report of promises still pending at exit: for a token resource's 20 outputs that was 90% of
 * the constructor's CPU time (under Pulumi's mocks, 400 PATs took 1.47 s of process CPU with the
 * captures and 0.77 s without). The source position the engine stores is not affected: the SDK raises
 * the limit itself to take it.
 */
export function withoutPromiseStacks(): () => void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = limit;
  };
}
