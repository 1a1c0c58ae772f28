/**
 * The resources the plugin serves: one per token kind of src/kinds.ts, with its type token, the kind's token
 * provider (the same object the dynamic resources run), and what the engine must know about its properties.
 *
 * test/plugin/resources.test.ts also registers each class under Pulumi's mocks and compares.
 *
 * @module
 */
import type { TokenKind } from "../core/kind.ts";
import { KINDS } from "../kinds.ts";

/** The package name: type tokens are `tokens:<module>:<Type>`, config keys `tokens:<key>`. */
export const PACKAGE = "tokens";

/** One resource type of the plugin: a kind and its type token. */
export interface PluginResource extends TokenKind {
  /** e.g. `tokens:acme:ApiKey`. */
  token: string;
}

/** The type token of a kind. */
export function typeToken(kind: Pick<TokenKind, "vendor" | "type">): string {
  return `${PACKAGE}:${kind.vendor}:${kind.type}`;
}

/** The resources, keyed by type token. */
export const RESOURCES: Readonly<Record<string, PluginResource>> = Object.fromEntries(
  KINDS.map((kind) => [typeToken(kind), { ...kind, token: typeToken(kind) }]),
);

/** The resource of a type token, or undefined. */
export function resourceOf(token: string): PluginResource | undefined {
  return Object.hasOwn(RESOURCES, token) ? RESOURCES[token] : undefined;
}
