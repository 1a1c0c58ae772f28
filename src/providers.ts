/**
 * The providers the serialized shims load at run time (`pulumi-tokens/providers`).
 *
 * Not for direct use: Pulumi programs use the resource classes from `pulumi-tokens`. Every method
 * reports this package's errors as one line, without a stack trace (see core/error-presentation.ts;
 * `PULUMI_TOKENS_DEBUG=1` keeps the stacks).
 *
 * @module
 */
import { presentErrors } from "./core/error-presentation.ts";
import type { ProviderModule } from "./core/provider-shim.ts";
import { KINDS } from "./kinds.ts";

/** Provider implementations by kind module (src/kinds.ts); the key is the name each resource's shim asks for. */
export const providers: ProviderModule["providers"] = Object.fromEntries(
  KINDS.map((kind) => [kind.vendor, presentErrors(kind.provider)]),
);
