// The reference of every resource (inputs, outputs, types, provider settings) as docs/reference.md, made from
// the plugin's package schema, src/plugin/schema.json. `node scripts/gen-reference.ts` (npm run docs) writes it;
// `--check` only says whether the file is current. Its texts are the kinds' descriptions (src/<module>/kind.ts,
// and the `.meta({ description })` of each input in src/<module>/schemas.ts): edit them there, then run
// `npm run schema && npm run docs`.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The checked-in reference. */
export const REFERENCE_FILE = fileURLToPath(new URL("../docs/reference.md", import.meta.url));
/** The schema it is made from. */
export const SCHEMA_FILE = fileURLToPath(new URL("../src/plugin/schema.json", import.meta.url));

/** The parts of a Pulumi package schema property this page shows. */
interface Property {
  type?: string;
  $ref?: string;
  items?: Property;
  additionalProperties?: Property;
  description?: string;
  secret?: boolean;
  default?: unknown;
  willReplaceOnChanges?: boolean;
}

interface ObjectSpec {
  description?: string;
  properties?: Record<string, Property>;
  required?: string[];
  inputProperties?: Record<string, Property>;
  requiredInputs?: string[];
}

/** The parts of the package schema this page reads. */
export interface PackageSchema {
  name: string;
  config?: { variables?: Record<string, Property> };
  types?: Record<string, ObjectSpec>;
  resources: Record<string, ObjectSpec>;
}

/** `tokens:netbird:PersonalAccessToken` → `netbird.PersonalAccessToken`, the class a TypeScript program uses. */
function className(token: string): string {
  const [, module, name] = token.split(":");
  return `${module}.${name}`;
}

/** The GitHub-style anchor of a heading made of this text. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function resourceHeading(token: string): string {
  return `${className(token)} (\`${token}\`)`;
}

function typeHeading(token: string): string {
  return `\`${token}\``;
}

function typeName(property: Property): string {
  if (property.$ref) {
    const token = property.$ref.replace(/^#\/types\//, "");
    return `[${token.split(":").pop()}](#${anchor(typeHeading(token))})`;
  }
  if (property.type === "array" && property.items) return `${typeName(property.items)}[]`;
  if (property.type === "object" && property.additionalProperties) {
    return `map of ${typeName(property.additionalProperties)}`;
  }
  return property.type ?? "any";
}

/** One table cell: no line breaks, no unescaped `|`. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

function description(property: Property): string {
  const parts = [property.description ?? ""];
  if (property.default !== undefined) parts.push(`Default: \`${JSON.stringify(property.default)}\`.`);
  return cell(parts.filter(Boolean).join(" "));
}

/** What the flags column says: required, secret, and (for inputs) whether a change replaces the resource. */
function flags(property: Property, required: boolean, inputs: boolean): string {
  return [
    required ? "required" : "",
    property.secret ? "**secret**" : "",
    inputs && property.willReplaceOnChanges ? "replaces" : "",
  ]
    .filter(Boolean)
    .join(", ");
}

function table(
  header: string,
  properties: Record<string, Property>,
  required: readonly string[],
  inputs = false,
): string[] {
  const rows = Object.entries(properties).map(
    ([name, property]) =>
      `| \`${name}\` | ${typeName(property)} | ${flags(property, required.includes(name), inputs)} | ${description(property)} |`,
  );
  return [`| ${header} | type | flags | description |`, "|---|---|---|---|", ...rows];
}

/** docs/reference.md for this schema. */
export function referenceText(schema: PackageSchema): string {
  const out: string[] = [
    "# Reference",
    "",
    "<!-- Generated from src/plugin/schema.json by `npm run docs` (scripts/gen-reference.ts). Do not edit. -->",
    "",
    "Every resource, as a TypeScript class of `pulumi-tokens` and as a resource of the provider plugin",
    `(package \`${schema.name}\`, for Python, Go and YAML: [languages.md](languages.md)). Both take the same inputs`,
    "and give the same outputs. Flags: **secret**, a value Pulumi keeps encrypted in state and hides in output;",
    "replaces, an input whose change replaces the resource (the new token first, then the old one is deleted).",
    "Behaviour and examples: [rotation.md](rotation.md) and the guide of each resource.",
    "",
    "- Resources: " +
      Object.keys(schema.resources)
        .map((token) => `[${className(token)}](#${anchor(resourceHeading(token))})`)
        .join(" · "),
    "- [Provider configuration](#provider-configuration)",
  ];
  if (schema.types && Object.keys(schema.types).length > 0) out.push("- [Types](#types)");

  for (const [token, resource] of Object.entries(schema.resources)) {
    const inputs = resource.inputProperties ?? {};
    out.push("", `## ${resourceHeading(token)}`, "");
    if (resource.description) out.push(resource.description.trim(), "");
    out.push("### Inputs", "", ...table("input", inputs, resource.requiredInputs ?? [], true));
    out.push(
      "",
      "### Outputs",
      "",
      "Besides the resource `id`. An output that is not required is absent when it has no value.",
      "",
      ...table("output", resource.properties ?? {}, resource.required ?? []),
    );
  }

  out.push(
    "",
    "## Provider configuration",
    "",
    `The plugin's settings: stack config \`${schema.name}:<key>\`, or the arguments of an explicit`,
    `\`${schema.name}\` provider resource. The TypeScript classes read the vendors' own keys instead`,
    "(`netbird:apiToken`, …): [configuration.md](configuration.md).",
    "",
    ...table("key", schema.config?.variables ?? {}, [], true),
  );

  if (schema.types && Object.keys(schema.types).length > 0) {
    out.push("", "## Types");
    for (const [token, type] of Object.entries(schema.types)) {
      out.push("", `### ${typeHeading(token)}`, "");
      if (type.description) out.push(type.description.trim(), "");
      out.push(...table("property", type.properties ?? {}, type.required ?? []));
    }
  }
  return out.join("\n") + "\n";
}

/** The reference as the file should hold it, made from the checked-in schema. */
export function referenceFileText(): string {
  return referenceText(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as PackageSchema);
}

if (import.meta.main) {
  const text = referenceFileText();
  if (process.argv.includes("--check")) {
    if (readFileSync(REFERENCE_FILE, "utf8") !== text) {
      console.error("docs/reference.md is out of date: run npm run docs");
      process.exit(1);
    }
  } else {
    writeFileSync(REFERENCE_FILE, text);
  }
}
