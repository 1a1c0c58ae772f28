/**
 * Builds the single executable of the `pulumi-resource-tokens` plugin (called by
 * scripts/package-plugin.sh, which caches and packs it): src/plugin/main.ts and everything it loads
 * (got, jose, zod, and the gRPC runtime, protobuf types and Pulumi's generated stubs that
 * src/plugin/wire.ts loads from @pulumi/pulumi) bundled by esbuild into one CommonJS script, then
 * Node's single executable application (`node --build-sea`) with package.json and schema.json as
 * assets (src/plugin/server.ts reads them with `node:sea`).
 *
 * Usage: node scripts/package-plugin.ts <work dir> <executable>
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const [work, output] = process.argv.slice(2).map((path) => resolve(path));
if (!work || !output) {
  process.stderr.write("usage: node scripts/package-plugin.ts <work dir> <executable>\n");
  process.exit(2);
}
mkdirSync(work, { recursive: true });

/**
 * src/plugin/wire.ts resolves its modules at run time from where @pulumi/pulumi is installed
 * (`fromPulumi("…")`), which a bundler cannot follow: in the bundle each becomes a plain `require`
 * resolved from that same directory, so the bundle holds the very copies the npm plugin loads.
 */
const wireFromPulumi: Plugin = {
  name: "wire-from-pulumi",
  setup(context) {
    context.onLoad({ filter: /[\\/]src[\\/]plugin[\\/]wire\.ts$/ }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      const contents = source
        .replace(/^const fromHere = .*$/m, "")
        .replace(/^const fromPulumi = .*$/m, "")
        .replace(/\bfromPulumi\(("[^"]+")\)/g, "require($1)");
      if (/\bfrom(Here|Pulumi)\b/.test(contents.replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, ""))) {
        throw new Error(`${path}: a module is loaded in a way this bundle step does not know`);
      }
      const pulumiDir = dirname(createRequire(path).resolve("@pulumi/pulumi/package.json"));
      return { contents, loader: "ts", resolveDir: pulumiDir };
    });
  },
};

const bundle = join(work, "pulumi-resource-tokens.cjs");
const result = await build({
  entryPoints: [join(root, "src", "plugin", "main.ts")],
  bundle: true,
  platform: "node",
  format: "cjs",
  target: `node${process.versions.node.split(".")[0]}`,
  outfile: bundle,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "eof",
  metafile: true,
  plugins: [wireFromPulumi],
  // import.meta.url is used only outside a single executable (src/plugin/server.ts reads files beside
  // itself there); in the bundle it is never reached.
  logOverride: { "empty-import-meta": "silent" },
  logLevel: "warning",
});
writeFileSync(join(work, "meta.json"), JSON.stringify(result.metafile));

const config = {
  main: bundle,
  mainFormat: "commonjs",
  output,
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  assets: {
    "package.json": join(root, "package.json"),
    "schema.json": join(root, "src", "plugin", "schema.json"),
  },
};
const configPath = join(work, "sea.json");
writeFileSync(configPath, JSON.stringify(config, null, 2));
execFileSync(process.execPath, ["--build-sea", configPath], { stdio: ["ignore", "inherit", "inherit"] });
