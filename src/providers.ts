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
import { gcoreProvider } from "./gcore/provider.ts";
import { icpProvider } from "./icp/provider.ts";
import { netbirdProvider } from "./netbird/provider.ts";
import { registryProvider } from "./registry/provider.ts";

/** Provider implementations by vendor; the key is the name each resource's shim asks for. */
export const providers: ProviderModule["providers"] = {
  netbird: presentErrors(netbirdProvider),
  gcore: presentErrors(gcoreProvider),
  icp: presentErrors(icpProvider),
  registry: presentErrors(registryProvider),
};
