// Where the scale bench finds the repository, the shipped plugin and the Node it runs with.
import { join, resolve } from "node:path";

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, "../..");
/** PATH for the CLI: the shipped plugin (bin/) and the Node it runs with (node_modules/.bin) first. */
export const BENCH_PATH = [join(ROOT, "bin"), join(ROOT, "node_modules/.bin"), process.env.PATH ?? ""].join(
  ":",
);
