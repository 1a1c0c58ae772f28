// The plugin's package schema: the checked-in src/plugin/schema.json is what scripts/gen-schema.ts
// generates now (a drift fails here: run `npm run schema`), the plugin serves exactly that file, and
// the Pulumi CLI accepts it (`pulumi schema check`, `pulumi package get-schema`, `pulumi package gen-sdk`).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE, schemaFileText } from "../../scripts/gen-schema.ts";
import { SETTINGS } from "../../src/plugin/config.ts";
import { RESOURCES } from "../../src/plugin/resources.ts";
import { schemaText } from "../../src/plugin/server.ts";
import { pulumiCommand } from "../harness/engine.ts";
import { pluginPath } from "../harness/plugin.ts";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;

interface Schema {
  name: string;
  version: string;
  config: { variables: Record<string, { secret?: boolean }> };
  provider: { inputProperties: Record<string, { secret?: boolean }> };
  resources: Record<
    string,
    {
      properties: Record<string, { secret?: boolean; willReplaceOnChanges?: boolean }>;
      inputProperties: Record<string, { secret?: boolean; willReplaceOnChanges?: boolean }>;
      requiredInputs?: string[];
    }
  >;
  language: { python: { packageName: string }; go: { importBasePath: string } };
}

async function cli(args: string[], env: Record<string, string> = {}) {
  const home = await mkdtemp(join(tmpdir(), "pt-schema-home-"));
  try {
    const command = await pulumiCommand();
    return await run(command.command, args, {
      cwd: tmpdir(),
      env: {
        ...process.env,
        PULUMI_HOME: home,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        ...env,
      },
      maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

describe("the tokens package schema", () => {
  it("is checked in as generated (run `npm run schema` after changing an input, output or doc comment)", async () => {
    const checkedIn = await readFile(SCHEMA_FILE, "utf8");
    expect(checkedIn).toBe(await schemaFileText());
  });

  it("is what GetSchema serves, and has the package name, version, config and language sections", async () => {
    expect(schemaText()).toBe(await readFile(SCHEMA_FILE, "utf8"));
    const schema = JSON.parse(schemaText()) as Schema;
    const { version } = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(schema.name).toBe("tokens");
    expect(schema.version).toBe(version);
    expect(Object.keys(schema.resources).sort()).toEqual(Object.keys(RESOURCES).sort());
    expect(Object.keys(schema.config.variables)).toEqual(SETTINGS.map((entry) => entry.key));
    for (const entry of SETTINGS) {
      expect(schema.config.variables[entry.key]?.secret ?? false, entry.key).toBe(entry.secret);
      expect(schema.provider.inputProperties[entry.key]?.secret ?? false, entry.key).toBe(entry.secret);
    }
    expect(schema.language.python.packageName).toBe("pulumi_tokens");
    expect(schema.language.go.importBasePath).toBe("github.com/pulumi-tokens/pulumi-tokens/sdk/go/tokens");
  });

  it("marks the credential outputs and inputs secret, and the replacing inputs willReplaceOnChanges", () => {
    const schema = JSON.parse(schemaText()) as Schema;
    for (const resource of Object.values(RESOURCES)) {
      const spec = schema.resources[resource.token];
      if (!spec) throw new Error(`no ${resource.token} in the schema`);
      expect(Object.keys(spec.properties)).toEqual([...resource.outputs]);
      const secrets = Object.entries({ ...spec.properties, ...spec.inputProperties })
        .filter(([, property]) => property.secret)
        .map(([key]) => key);
      expect(new Set(secrets)).toEqual(new Set([...resource.secretOutputs, ...resource.secretInputs]));
      const replacing = Object.entries(spec.inputProperties)
        .filter(([, property]) => property.willReplaceOnChanges)
        .map(([key]) => key);
      expect(new Set(replacing)).toEqual(new Set(resource.provider.details.replaceOn));
    }
    expect(schema.resources["tokens:netbird:PersonalAccessToken"]?.requiredInputs).toEqual([
      "userId",
      "name",
      "expiresInDays",
    ]);
    expect(schema.resources["tokens:gcore:UserToken"]?.requiredInputs).toEqual(["userId"]);
    expect(schema.resources["tokens:icp:RegistryToken"]?.requiredInputs).toBeUndefined();
  });

  it("passes `pulumi schema check`, and `pulumi package get-schema` reads it from the plugin", async () => {
    const checked = await cli(["schema", "check", SCHEMA_FILE]);
    expect(checked.stderr).not.toMatch(/error/i);
    const expected = JSON.parse(await readFile(SCHEMA_FILE, "utf8")) as unknown;
    const served = await cli(["package", "get-schema", pluginPath()]);
    expect(JSON.parse(served.stdout)).toEqual(expected);
    // The shipped executable too: bin/pulumi-resource-tokens runs dist/ (npm run build) with the node on PATH.
    const shipped = await cli(["package", "get-schema", join(ROOT, "bin", "pulumi-resource-tokens")], {
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
    });
    expect(JSON.parse(shipped.stdout)).toEqual(expected);
  }, 60_000);

  it("generates a Python SDK with `pulumi package gen-sdk --language python` (scripts/gen-sdk.sh)", async () => {
    const out = await mkdtemp(join(tmpdir(), "pt-sdk-"));
    try {
      // The file as generated now: what the drift test above compares the checked-in one with.
      const schema = join(out, "schema.json");
      await writeFile(schema, await schemaFileText());
      let generated: { stdout: string; stderr: string };
      try {
        generated = await run("bash", ["scripts/gen-sdk.sh", "--schema", schema, "--out", out, "python"], {
          cwd: ROOT,
          maxBuffer: 16 * 1024 * 1024,
        });
      } catch (error) {
        const text = String((error as { stderr?: string }).stderr ?? error);
        if (/no Go toolchain|no Pulumi CLI/.test(text)) {
          process.stdout.write(`SKIPPED: pulumi package gen-sdk --language python: ${text.trim()}\n`);
          return;
        }
        throw error;
      }
      expect(generated.stdout.trim()).toBe(out);
      const init = await readFile(
        join(out, "python", "pulumi_tokens", "netbird", "personal_access_token.py"),
        "utf8",
      );
      expect(init).toContain('"tokens:netbird:PersonalAccessToken"');
      expect(init).toMatch(/additional_secret_outputs=\[[^\]]*"token"/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 180_000);
});
