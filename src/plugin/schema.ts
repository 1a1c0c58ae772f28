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
 * - descriptions from the kind descriptors: an input's from its input schema (`.meta({ description })`), the
 *   resource's, the outputs' and the object types' fields' from the kind (`description`,
 *   `outputDescriptions`, `objectTypes[…].fields`); test/core/kind-docs.test.ts keeps the resource classes'
 *   doc comments saying the same;
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
  description?: string;
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

function resourceSpec(resource: PluginResource) {
  const inputs = jsonSchemaOf(resource.provider.details.inputSchema(), "input");
  const stored = jsonSchemaOf(resource.storedSchema(), "output");
  const replaceOn = new Set(resource.provider.details.replaceOn);
  const secret = new Set([...resource.secretInputs, ...resource.secretOutputs]);
  const outputDocs = resource.outputDescriptions;

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
      property(key, json.description ?? outputDocs[key], json),
    ]),
  );
  const properties = Object.fromEntries(
    resource.outputs.map((key) => {
      const input = inputs.properties?.[key];
      return [key, property(key, outputDocs[key] ?? input?.description, input)];
    }),
  );
  const outputs = new Set(resource.outputs);
  const required = (stored.required ?? []).filter((key) => outputs.has(key));
  const requiredInputs = inputs.required ?? [];
  // Empty lists are left out, as the CLI's own rendering of a schema does (`pulumi package get-schema`).
  return {
    description: resource.description,
    properties,
    ...(required.length > 0 ? { required } : {}),
    inputProperties,
    ...(requiredInputs.length > 0 ? { requiredInputs } : {}),
  };
}

function objectType(resource: PluginResource, output: string, object: ObjectOutputType) {
  const json = jsonSchemaOf(resource.storedSchema(), "output").properties?.[output]?.items;
  const properties = Object.fromEntries(
    Object.entries(object.fields).map(([key, { description, ...given }]) => {
      const type = given.type !== undefined || given.$ref !== undefined ? given : undefined;
      return [key, { ...(type ?? typeFromJson(json?.properties?.[key]) ?? { type: "string" }), description }];
    }),
  );
  const required = new Set(json?.required ?? []);
  return {
    type: "object",
    properties,
    required: Object.keys(properties).filter((key) => required.has(key)),
  };
}

/** The package schema, as an object ready for `JSON.stringify`. */
export function generateSchema(version: string) {
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
    Object.values(RESOURCES).map((resource) => [resource.token, resourceSpec(resource)]),
  );
  const types = Object.fromEntries(
    Object.values(RESOURCES).flatMap((resource) =>
      Object.entries(resource.objectTypes ?? {}).map(([output, object]) => [
        objectTypeToken(resource, object),
        objectType(resource, output, object),
      ]),
    ),
  );
  return {
    name: PACKAGE,
    displayName: "Tokens",
    version,
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
