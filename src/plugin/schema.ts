/**
 * The Pulumi package schema of the `tokens` plugin, generated from what the dynamic resources are
 * made of, so that the two front doors cannot drift apart:
 *
 * - one resource per token kind (src/kinds.ts, src/core/kind.ts);
 * - input properties and their types from each kind's zod input schema (`z.toJSONSchema`),
 *   required inputs from what the schema requires;
 * - output properties from the kind's output list, typed from the input schema, the stored-state schema or the
 *   kind's declared output and object types; required outputs from what the stored state requires;
 * - `secret: true` on the credential outputs and inputs, `willReplaceOnChanges: true` (Pulumi's name for
 *   a replace-on input) on the inputs whose change replaces the resource (`replaceOn` of the spec);
 * - descriptions from the doc comments of the resource classes (their `…Args` interface and declared
 *   outputs, the text of the per-resource tables in docs/), read from the sources by the script;
 * - provider config: one variable per setting (src/plugin/config.ts), as `config.variables` and as the
 *   provider resource's `inputProperties`.
 *
 * `npm run schema` (scripts/gen-schema.ts) writes it to src/plugin/schema.json, which the plugin serves
 * from GetSchema; test/plugin/schema.test.ts fails when the checked-in file differs.
 *
 * @module
 */
import { z } from "zod";
import { SETTINGS } from "./config.ts";
import type { ObjectOutputType } from "../core/kind.ts";
import { PACKAGE, type PluginResource, RESOURCES } from "./resources.ts";

type JsonSchema = {
  type?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
};

/** A property of the Pulumi schema. */
export interface PropertySpec {
  type?: string;
  $ref?: string;
  items?: PropertySpec;
  description?: string;
  secret?: boolean;
  willReplaceOnChanges?: boolean;
  default?: unknown;
}

/** What the generator reads besides the code: the doc comments of the resource classes. */
export interface SchemaSources {
  /** The text of a file under src/, e.g. a kind's `classSource`. */
  read(path: string): string;
  version: string;
}

const clean = (text: string): string =>
  text
    .split("\n")
    .map((line) => line.replace(/^\s*\*\s?/, "").trimEnd())
    .join("\n")
    .replace(/([^\n])\n(?!\n|- |\s)/g, "$1 ")
    .trim();

/** `/** … *\/ name` doc comments of the members of the block that starts at `header`. */
function memberDocs(source: string, header: RegExp): Record<string, string> {
  const start = source.search(header);
  if (start < 0) return {};
  const open = source.indexOf("{", start);
  let depth = 0;
  let end = open;
  for (let index = open; index < source.length; index++) {
    if (source[index] === "{") depth++;
    else if (source[index] === "}" && --depth === 0) {
      end = index;
      break;
    }
  }
  const body = source.slice(open + 1, end);
  const docs: Record<string, string> = {};
  for (const match of body.matchAll(
    /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:declare\s+readonly\s+)?(\w+)\??:/g,
  )) {
    docs[match[2] as string] = clean(match[1] as string);
  }
  return docs;
}

/** The doc comment right before `export class <name>`, without its example. */
function classDoc(source: string, name: string): string | undefined {
  const at = source.search(new RegExp(`export class ${name}\\b`));
  if (at < 0) return undefined;
  const before = source.slice(0, at);
  const open = before.lastIndexOf("/**");
  if (open < 0) return undefined;
  const text = clean(before.slice(open + 3, before.lastIndexOf("*/")));
  return text.split(/\n@example/)[0]?.trim();
}

/** The schema token of an object type a kind declares: `tokens:<module>:<name>`. */
function objectTypeToken(resource: PluginResource, object: ObjectOutputType): string {
  return `${PACKAGE}:${resource.vendor}:${object.name}`;
}

function typeFromJson(json: JsonSchema | undefined): PropertySpec | undefined {
  if (json === undefined) return undefined;
  switch (json.type) {
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return { type: json.type };
    case "array": {
      const items = typeFromJson(json.items);
      return items === undefined ? undefined : { type: "array", items };
    }
    default:
      return undefined;
  }
}

function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
}

function resourceSpec(resource: PluginResource, sources: SchemaSources) {
  const source = sources.read(resource.classSource);
  const inputDocs = memberDocs(source, new RegExp(`export interface ${resource.type}Args\\b`));
  const outputDocs = memberDocs(source, new RegExp(`export class ${resource.type}\\b`));
  const inputs = jsonSchemaOf(resource.provider.details.inputSchema(), "input");
  const stored = jsonSchemaOf(resource.storedSchema(), "output");
  const replaceOn = new Set(resource.provider.details.replaceOn);
  const secret = new Set([...resource.secretInputs, ...resource.secretOutputs]);

  const property = (
    key: string,
    description: string | undefined,
    json: JsonSchema | undefined,
  ): PropertySpec => {
    const object = resource.objectTypes?.[key];
    const type: PropertySpec | undefined = object
      ? { type: "array", items: { $ref: `#/types/${objectTypeToken(resource, object)}` } }
      : (resource.outputTypes?.[key] ?? typeFromJson(json) ?? typeFromJson(stored.properties?.[key]));
    if (type === undefined) throw new Error(`schema: no type for ${resource.token} property "${key}"`);
    return {
      ...type,
      ...(description === undefined ? {} : { description }),
      ...(secret.has(key) ? { secret: true } : {}),
      ...(replaceOn.has(key) ? { willReplaceOnChanges: true } : {}),
    };
  };

  const inputProperties = Object.fromEntries(
    Object.entries(inputs.properties ?? {}).map(([key, json]) => [
      key,
      property(key, inputDocs[key] ?? outputDocs[key], json),
    ]),
  );
  const properties = Object.fromEntries(
    resource.outputs.map((key) => [
      key,
      property(key, outputDocs[key] ?? inputDocs[key], inputs.properties?.[key]),
    ]),
  );
  const outputs = new Set(resource.outputs);
  const required = (stored.required ?? []).filter((key) => outputs.has(key));
  const requiredInputs = inputs.required ?? [];
  // Empty lists are left out, as the CLI's own rendering of a schema does (`pulumi package get-schema`).
  return {
    description: classDoc(source, resource.type),
    properties,
    ...(required.length > 0 ? { required } : {}),
    inputProperties,
    ...(requiredInputs.length > 0 ? { requiredInputs } : {}),
  };
}

function objectType(
  resource: PluginResource,
  output: string,
  object: ObjectOutputType,
  sources: SchemaSources,
) {
  const source = sources.read(resource.classSource);
  const docs = memberDocs(source, new RegExp(`export interface ${object.iface}\\b`));
  const json = jsonSchemaOf(resource.storedSchema(), "output").properties?.[output]?.items;
  const properties = Object.fromEntries(
    Object.keys(docs).map((key) => {
      const type = object.fields?.[key] ?? typeFromJson(json?.properties?.[key]) ?? { type: "string" };
      return [key, { ...type, description: docs[key] }];
    }),
  );
  const optional = [...source.matchAll(new RegExp(`(\\w+)\\?:`, "g"))].map((match) => match[1]);
  return {
    type: "object",
    properties,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
  };
}

/** The package schema, as an object ready for `JSON.stringify`. */
export function generateSchema(sources: SchemaSources) {
  const config = Object.fromEntries(
    SETTINGS.map((entry) => [
      entry.key,
      {
        type: "string",
        description:
          `${entry.description} ` +
          (entry.resourceInput
            ? `Used when a resource does not set \`${entry.property}\`; else the `
            : "Unset, the ") +
          `environment variable \`${entry.env}\` is read at run time (the dynamic resources read ` +
          `the stack config \`${entry.configKey}\` instead).`,
        ...(entry.secret ? { secret: true } : {}),
      },
    ]),
  );
  const resources = Object.fromEntries(
    Object.values(RESOURCES).map((resource) => [resource.token, resourceSpec(resource, sources)]),
  );
  const types = Object.fromEntries(
    Object.values(RESOURCES).flatMap((resource) =>
      Object.entries(resource.objectTypes ?? {}).map(([output, object]) => [
        objectTypeToken(resource, object),
        objectType(resource, output, object, sources),
      ]),
    ),
  );
  return {
    name: PACKAGE,
    displayName: "Tokens",
    version: sources.version,
    description:
      "API tokens that Pulumi issues, renews, rotates and revokes: " +
      `${Object.values(RESOURCES)
        .map((resource) => resource.title)
        .join(", ")}.`,
    keywords: [
      "pulumi",
      "tokens",
      ...new Set(Object.values(RESOURCES).map((resource) => resource.vendor)),
      "category/utility",
      "kind/native",
    ],
    license: "Apache-2.0",
    repository: "https://github.com/pulumi-tokens/pulumi-tokens",
    publisher: "pulumi-tokens",
    meta: { moduleFormat: "(.*)" },
    config: { variables: config },
    provider: {
      description: "The provider of the `tokens` package: connection settings and credentials of the APIs.",
      properties: config,
      inputProperties: config,
    },
    types,
    resources,
    language: {
      python: {
        packageName: "pulumi_tokens",
        requires: { pulumi: ">=3.0.0,<4.0.0" },
        respectSchemaVersion: true,
      },
      go: {
        importBasePath: "github.com/pulumi-tokens/pulumi-tokens/sdk/go/tokens",
        generateResourceContainerTypes: true,
        respectSchemaVersion: true,
      },
      nodejs: {
        packageName: "@pulumi-tokens/tokens",
        respectSchemaVersion: true,
      },
    },
  };
}
