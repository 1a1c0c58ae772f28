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
import { createRequire } from "node:module";
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

/**
 * Runs a `__provider` text the way the dynamic-provider host does (`exports.handler()` of the text
 * compiled as a CommonJS module), for tests and the bench.
 */
export function loadProviderSource(source: string): pulumi.dynamic.ResourceProvider {
  const module = { exports: {} as { handler?: () => pulumi.dynamic.ResourceProvider } };
  new Function("exports", "require", "module", source)(
    module.exports,
    createRequire(import.meta.url),
    module,
  );
  const handler = module.exports.handler;
  if (!handler) throw new Error("the provider source defines no exports.handler");
  return handler();
}

/**
 * A provider object whose methods delegate to `require(specifier).providers[name]`, for programs that
 * build their own `pulumi.dynamic.Resource` (Pulumi serializes it, about 2.7 KB). The token resources
 * store {@link providerSource} instead; 0.1.0 stored this shim, and its text in old state still works.
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
