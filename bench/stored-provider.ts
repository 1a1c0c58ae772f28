// Loads a stored `__provider` text as the dynamic-provider host does, so the bench can time a diff
// through it.
import { createRequire } from "node:module";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Runs a `__provider` text the way the dynamic-provider host does (`exports.handler()` of the text
 * compiled as a CommonJS module): the bench's diff through the stored provider.
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
