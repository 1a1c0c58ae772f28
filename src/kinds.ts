/**
 * The kind registry: every token kind this package serves, one line each. The dynamic providers, the provider
 * plugin's resources and config, `schema.json`, the SDKs, docs/reference.md and the generic tests are derived from
 * this list (src/core/kind.ts). Adding a kind: a new folder `src/<module>/` in the shape of the others, one line
 * here, and its namespace export in src/index.ts.
 *
 * @module
 */
import type { TokenKind } from "./core/kind.ts";
import { userTokenKind } from "./gcore/kind.ts";
import { registryTokenKind } from "./icp/kind.ts";
import { personalAccessTokenKind } from "./netbird/kind.ts";
import { tokenKind } from "./registry/kind.ts";

/** Every kind, in the order the schema and the docs list them. */
export const KINDS: readonly TokenKind[] = [
  personalAccessTokenKind,
  userTokenKind,
  registryTokenKind,
  tokenKind,
];
