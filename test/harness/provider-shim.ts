/**
 * A serialized-closure provider shim, for tests: see {@link createProviderShim}. The package itself
 * stores the text of `providerSource` (src/core/provider-shim.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderModule } from "../../src/core/provider-shim.ts";

/**
 * A provider object whose methods delegate to `require(specifier).providers[name]`, loaded in the
 * provider process. Pulumi serializes it as a closure (about 2.7 KB); the token resources store the
 * one-line `providerSource` (src/core/provider-shim.ts) instead. Tests use it for a resource with no package behind it
 * (test/fixtures/minimal-token.ts) and to compare the two sizes.
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
