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
 *   {@link providerSource} (about 120 bytes) instead of a closure Pulumi serializes (2.7 KB in 0.1.0).
 *   The type tokens are those of 0.1.0, so existing stacks keep their resources.
 *
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import type { Vendor } from "../errors.ts";
import { once } from "./once.ts";
import { providerSource } from "./provider-shim.ts";
import {
  defaultedKeys,
  derivedKeys,
  presentedForm,
  ROTATES_AT,
  type StoredForm,
  unpacked,
} from "./stored-form.ts";

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
  /** Which outputs are left out of the state and computed from the others (core/stored-form.ts). */
  storedForm: StoredForm;
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
    ...Object.fromEntries(registeredKeys(definition).map((key) => [key, undefined])),
    ...given,
    ...Object.fromEntries(secrets),
    __provider: providerSource(PROVIDERS_MODULE, definition.vendor),
  };
}

/**
 * The outputs the SDK makes from the engine's answer: all but `rotatesAt`, which the compact form
 * never stores and {@link presentDerivedOutputs} computes from `expiresAt` (also for 0.1.0's state).
 */
function registeredOutputs(definition: TokenResourceDefinition): string[] {
  return definition.outputs.filter((key) => key !== ROTATES_AT);
}

/** The output keys a token resource registers with the SDK (each passed as `undefined`). */
export function registeredKeys(definition: TokenResourceDefinition): string[] {
  return withPackedKey(definition, registeredOutputs(definition));
}

/** `keys` and, when secrets are packed, the key they are stored under (an output, and a secret one). */
function withPackedKey(definition: TokenResourceDefinition, keys: readonly string[]): string[] {
  const packed = definition.storedForm.packedSecrets;
  return packed ? [...keys, packed.key] : [...keys];
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
      additionalSecretOutputs: [
        ...withPackedKey(definition, definition.secretOutputs),
        ...givenSecretInputs(definition, given),
      ],
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

/**
 * Replaces the outputs that are not stored (defaults, `rotatesAt`, packed secrets; see
 * core/stored-form.ts) with ones computed from the stored outputs, so that a program sees every output
 * as before. Each class calls it right after `super(...)`. Defaults and `rotatesAt` are computed from
 * non-secret outputs only, so none of them becomes secret.
 *
 * Each computed output is made when the program first reads it: the SDK's `all` and `apply` cost more
 * than the resource's own registration, and most programs read only the token (under Pulumi's mocks,
 * 400 PATs took 1.55 s of process CPU with these outputs made at once, 0.79 s made on read).
 */
export function presentDerivedOutputs(
  resource: pulumi.CustomResource,
  definition: Pick<TokenResourceDefinition, "storedForm">,
): void {
  const outputs = resource as unknown as Record<string, pulumi.Output<unknown> | undefined>;
  const form = definition.storedForm;
  const sources = Object.fromEntries(
    [...new Set([...form.sources, ...defaultedKeys(form), "expiresAt"])].map((key) => [key, outputs[key]]),
  );
  const presented = once(() => pulumi.all(sources).apply((stored) => presentedForm(form, stored)));
  for (const key of derivedKeys(form))
    presentLazily(resource, key, () => presented().apply((full) => full[key]));
  const packed = form.packedSecrets;
  if (!packed) return;
  // Secret, as their sources are. State written by 0.1.0 stores each one under its own name.
  const secrets = outputs[packed.key];
  for (const key of packed.outputs) {
    const own = outputs[key];
    presentLazily(resource, key, () =>
      pulumi.all([secrets, own]).apply(([value, stored]) => unpacked([key], value)[key] ?? stored),
    );
  }
}

/** Makes `resource[key]` an output that `make` builds on first read. */
function presentLazily(resource: object, key: string, make: () => pulumi.Output<unknown>): void {
  const output = once(() => {
    const restoreStacks = withoutPromiseStacks();
    try {
      return make();
    } finally {
      restoreStacks();
    }
  });
  Object.defineProperty(resource, key, { get: output, enumerable: true, configurable: true });
}
