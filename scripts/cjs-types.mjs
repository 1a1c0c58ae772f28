// Writes a CommonJS copy of the type declarations to dist/cjs/ (run by `npm run build`, after tsc).
//
// The package is ESM only. CommonJS programs load it with Node's require(esm), but TypeScript under
// `module: node16` refuses to type-check a CommonJS import of an ESM declaration (TS1479). The
// `require` condition of package.json "exports" therefore points at this copy: the same .d.ts
// files under a package.json that says "commonjs", with relative imports spelled `.js`.
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import process from "node:process";

const dist = join(import.meta.dirname, "..", "dist");
const target = join(dist, "cjs");
rmSync(target, { recursive: true, force: true });

let count = 0;
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
  const source = join(entry.parentPath, entry.name);
  const path = relative(dist, source);
  if (path.split(sep)[0] === "cjs") continue;
  const copy = join(target, path);
  cpSync(source, copy);
  const text = readFileSync(copy, "utf8").replace(/(from\s+"|import\(")(\.{1,2}\/[^"]*)\.ts"/g, '$1$2.js"');
  writeFileSync(copy, text);
  count += 1;
}
if (count === 0) {
  process.stderr.write("cjs-types: no .d.ts files in dist/; run tsc -p tsconfig.build.json first\n");
  process.exit(1);
}
writeFileSync(join(target, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
process.stdout.write(`cjs-types: ${count} declaration files copied to dist/cjs/\n`);
