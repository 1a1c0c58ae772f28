/**
 * What Pulumi stores as `__provider` for every resource, and runs again for refresh and destroy.
 *
 * The dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`) loads `__provider` with
 * `require-from-string`, calls `exports.handler()` and caches the provider it returns by the exact text.
 * That contract is all the stored text has to meet, so {@link providerSource} writes it by hand: one line
 * (about 120 bytes) that loads `pulumi-tokens/providers` from the program's directory (`process.cwd()` of
 * the provider process) and returns one of its providers. Nothing is captured: no got, jose or zod, no
 * settings. Pulumi's closure serializer made 2.7 KB of the same idea (stored twice per resource, in the
 * inputs and the outputs, and rewritten at every checkpoint).
 *
 * Refresh and destroy of a stack run the text stored in its state, so they always load the package
 * version installed now, whichever version wrote the state.
 *
 * @module
 */
import type * as pulumi from "@pulumi/pulumi";

/** A module that exports `providers: Record<name, ResourceProvider>`. */
export interface ProviderModule {
  providers: Record<string, pulumi.dynamic.ResourceProvider>;
}

/**
 * The `__provider` text of the providers named `name` in `require(specifier).providers`.
 *
 * @param specifier - a module specifier resolvable from the Pulumi program's directory, e.g.
 *   `pulumi-tokens/providers`.
 * @param name - the key in that module's `providers`.
 */
export function providerSource(specifier: string, name: string): string {
  // `.providers.<name>` keeps the text short (it is stored twice per resource); a name that is not an
  // identifier would need brackets, and none is.
  if (!/^[A-Za-z_$][\w$]*$/.test(name))
    throw new Error(`pulumi-tokens: provider name "${name}" is not an identifier`);
  return (
    `exports.handler=()=>require("module").createRequire(process.cwd()+"/")(${JSON.stringify(specifier)})` +
    `.providers.${name}`
  );
}
