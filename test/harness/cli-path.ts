/**
 * Where the Pulumi CLI the tests run lives: exactly the SDK's version, in the npm launcher's cache
 * `${PULUMI_HOME:-~/.pulumi}/versions/<version>/bin` (scripts/ensure-pulumi.sh fills it).
 */
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

/** The version of the installed `@pulumi/pulumi`, which the CLI matches. */
export const PULUMI_VERSION = (
  createRequire(import.meta.url)("@pulumi/pulumi/package.json") as { version: string }
).version;
/** The CLI's root (PulumiCommand's `root`). */
export const CLI_ROOT = join(
  process.env.PULUMI_HOME ?? join(homedir(), ".pulumi"),
  "versions",
  PULUMI_VERSION,
);
/** The directory holding `pulumi` (and the hosts linked beside it). */
export const CLI_BIN_DIR = join(CLI_ROOT, "bin");
