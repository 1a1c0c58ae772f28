/**
 * The entry of the `pulumi-resource-tokens` plugin (bin/pulumi-resource-tokens, and the single executable
 * of scripts/package-plugin.sh, which bundles it as CommonJS: no top-level await): the engine starts it,
 * reads the port from its first stdout line and talks gRPC to it (src/plugin/server.ts).
 *
 * @module
 */
import { serve } from "./server.ts";

process.on("unhandledRejection", (error) => {
  process.stderr.write(
    `pulumi-resource-tokens: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});

void serve();
