/**
 * The provider object that Pulumi serializes into state for every resource.
 *
 * Pulumi stores a dynamic provider as the source text of a closure, and runs that text again for
 * refresh and destroy. Capturing got, jose or a zod schema would bloat that text or fail to
 * serialize, so the shim captures two strings and loads the real provider at call time, resolving
 * the package from the program's directory (`process.cwd()` of the provider process). A side
 * effect worth having: refresh and destroy of old state run the package version installed now.
 *
 * @module
 */
import type * as pulumi from "@pulumi/pulumi";

/** A module that exports `providers: Record<name, ResourceProvider>`. */
export interface ProviderModule {
  providers: Record<string, pulumi.dynamic.ResourceProvider>;
}

/**
 * Returns a serializable provider whose methods delegate to `require(specifier).providers[name]`.
 *
 * @param specifier - a module specifier resolvable from the Pulumi program's directory, e.g.
 *   `pulumi-tokens/providers`.
 * @param name - the key in that module's `providers`.
 */
export function createProviderShim(specifier: string, name: string): pulumi.dynamic.ResourceProvider {
  // Everything below runs in the provider process, from serialized text: reference only
  // globals and the two captured strings.
  const load = (): pulumi.dynamic.ResourceProvider => {
    const { createRequire } = process.getBuiltinModule("node:module");
    const loaded = createRequire(`${process.cwd()}/`)(specifier) as ProviderModule;
    const provider = loaded.providers[name];
    if (!provider) throw new Error(`pulumi-tokens: ${specifier} has no provider named "${name}"`);
    return provider;
  };
  return {
    configure: async (request) => load().configure?.(request),
    check: async (olds, news) => load().check?.(olds, news) ?? { inputs: news },
    diff: async (id, olds, news) => load().diff?.(id, olds, news) ?? {},
    create: async (inputs) => load().create(inputs),
    read: async (id, props) => load().read?.(id, props) ?? { id, props },
    update: async (id, olds, news) => load().update?.(id, olds, news) ?? { outs: news },
    delete: async (id, props) => load().delete?.(id, props),
  };
}
