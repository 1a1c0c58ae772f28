// The Pulumi package schema of the `tokens` plugin (src/plugin/schema.ts) as src/plugin/schema.json, generated from
// the kinds of src/kinds.ts alone (their descriptors and zod schemas; no source file is read). `node scripts/gen-schema.ts` (npm run schema) writes it; `--check` only says whether
// the file is current.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as prettier from "prettier";
import { generateSchema } from "../src/plugin/schema.ts";

/** The checked-in schema file. */
export const SCHEMA_FILE = fileURLToPath(new URL("../src/plugin/schema.json", import.meta.url));

/** The schema as the file should hold it: generated now, formatted like every other file (Prettier). */
export async function schemaFileText(): Promise<string> {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  const schema = generateSchema(version);
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(schema, null, 2), {
    ...options,
    parser: "json",
    filepath: SCHEMA_FILE,
  });
}

if (import.meta.main) {
  const text = await schemaFileText();
  if (process.argv.includes("--check")) {
    if (readFileSync(SCHEMA_FILE, "utf8") !== text) {
      console.error("src/plugin/schema.json is out of date: run npm run schema");
      process.exit(1);
    }
    console.log("src/plugin/schema.json is up to date");
  } else {
    writeFileSync(SCHEMA_FILE, text);
    console.log(`wrote ${SCHEMA_FILE} (${text.length} bytes)`);
  }
}
