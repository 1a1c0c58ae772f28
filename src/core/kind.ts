/**
 * A token kind: the one descriptor that everything else is derived from.
 *
 * Each kind lives in one folder, `src/<module>/`, and exports its descriptor from `kind.ts`; `src/kinds.ts` lists
 * them. From that list come the dynamic providers (`pulumi-tokens/providers`), the provider plugin's resources and
 * config keys, `schema.json` and the SDKs generated from it, docs/reference.md, and the generic tests (bad input,
 * secrets, declared outputs). `src/core/` and `src/plugin/` name no kind: a test fails if they do.
 *
 * The resource class stays hand-written in the kind's folder (its TypeScript types and doc comments are what a
 * program's editor shows) and registers through the kind's {@link TokenResourceDefinition}, which is kept apart
 * from the descriptor so that a Pulumi program does not load the provider code.
 *
 * @module
 */
import type { z } from "zod";
import type { Vendor } from "../errors.ts";
import type { SettingDefinition } from "./settings.ts";
import type { TokenProvider } from "./token-provider.ts";
import type { TokenResourceDefinition } from "./token-resource.ts";

/** A property type of the package schema that neither zod schema gives (decoded claims, typed lists). */
export interface SchemaPropertyType {
  type?: string;
  /** `#/types/<token>` of an object type the kind declares in {@link TokenKind.objectTypes}. */
  $ref?: string;
  items?: SchemaPropertyType;
}

/**
 * A field of an object type: its description and, when the stored schema does not give its type, the type
 * (default: from the stored schema, else string).
 */
export interface ObjectField extends SchemaPropertyType {
  /** What the field holds: the doc comment of its member in the kind's interface (`iface`), word for word. */
  description: string;
}

/** An output whose value is a list of objects: a named object type of the package schema. */
export interface ObjectOutputType {
  /** The type's name, e.g. `RegistryAccess`: the schema token is `tokens:<module>:<name>`. */
  name: string;
  /**
   * The exported interface in the kind's class file that types the objects for TypeScript programs; its doc
   * comments say what `fields` says (test/core/kind-docs.test.ts).
   */
  iface: string;
  /**
   * Every field, in the schema's order. A field is required in the schema when the stored schema requires it
   * (the interface marks the others optional).
   */
  fields: Readonly<Record<string, ObjectField>>;
}

/** The parts of `pulumi import` a kind supports: reading an existing credential by an id the user gives. */
export interface TokenImport {
  /** The import id's form, for the error when it does not parse, e.g. `"<userId>/<tokenId>" (…)`. */
  idForm: string;
  /** The id's parts, or undefined when `importId` is not of that form. */
  parseId(importId: string): Record<string, string> | undefined;
  /**
   * Reads the credential at the API (connection and credential from the provider config or the
   * environment): the inputs a program would declare for it and the state `create` would have stored.
   * Undefined when the API does not have it.
   */
  read(
    id: Record<string, string>,
  ): Promise<{ inputs: Record<string, unknown>; state: Record<string, unknown> } | undefined>;
}

/** Everything about one token kind, for both front doors, the schema, the docs and the tests. */
export interface TokenKind extends TokenResourceDefinition {
  /** What it issues, in a few words for the package description, e.g. `Acme API keys`. */
  title: string;
  /**
   * What the resource is and does, for the schema and the reference: the resource class's doc comment up to its
   * `@example`, word for word (lines joined; a blank line between paragraphs, a list item on its own line).
   * The descriptions of the inputs are in the input schema (`.meta({ description })` on each property).
   */
  description: string;
  /**
   * The description of every output, by name: the doc comment of the class's declared output, word for word.
   * An output that is also an input has its own text here (what the output holds), next to the input's.
   */
  outputDescriptions: Readonly<Record<string, string>>;
  /**
   * The file of the resource class, relative to `src/` (e.g. `acme/api-key.ts`). Its doc comments (what an
   * editor shows) say what the descriptor and the input schema say: test/core/kind-docs.test.ts compares them.
   */
  classSource: string;
  /** The dynamic provider (the same object runs behind the dynamic resource and the plugin's resource). */
  provider: TokenProvider;
  /** The zod schema of the stored outputs (the schema types outputs the inputs do not have from it). */
  storedSchema(): z.ZodType;
  /** Where each setting comes from besides its input (stack config, environment) and its description. */
  settings: { readonly vendor: Vendor; readonly table: Readonly<Record<string, SettingDefinition>> };
  /** The outputs a rotation replaces: the plugin's detailed diff shows a due rotation as their update. */
  rotatedOutputs: readonly string[];
  /** Output types the zod schemas cannot give, by output name. */
  outputTypes?: Readonly<Record<string, SchemaPropertyType>>;
  /** Outputs whose items are objects, by output name. */
  objectTypes?: Readonly<Record<string, ObjectOutputType>>;
  /** `pulumi import` of an existing credential; undefined when the API cannot look one up. */
  import?: TokenImport;
}

/** The settings of a kind as entries: property name and definition, in the table's order. */
export function settingEntries(kind: Pick<TokenKind, "settings">): [string, SettingDefinition][] {
  return Object.entries(kind.settings.table);
}
