/**
 * Standalone emulator for local development: `node scripts/emulator.ts [--tls] [--port N]`.
 *
 * Prints the URL and the seeded credentials (a dev tool: printing the seeds is the point), and with --tls writes
 * the generated CA certificate to a temp file and prints its path. Runs until SIGINT/SIGTERM.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startEmulator } from "../src/emulator/index.ts";

const { values } = parseArgs({
  options: {
    tls: { type: "boolean", default: false },
    port: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(
    "usage: node scripts/emulator.ts [--tls] [--port N]\n\nEnv PULUMI_TOKENS_NOW freezes the clock.",
  );
  process.exit(0);
}

const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be an integer in 0..65535, got ${values.port}`);
  process.exit(2);
}

const emulator = await startEmulator({ tls: values.tls, port });
console.log(`pulumi-tokens emulator listening on ${emulator.url}`);
console.log(
  `clock: ${emulator.clock.now().toISOString()}${process.env.PULUMI_TOKENS_NOW ? " (frozen)" : ""}`,
);
if (emulator.caCertificate !== undefined) {
  const caPath = join(mkdtempSync(join(tmpdir(), "pulumi-tokens-emulator-")), "ca.pem");
  writeFileSync(caPath, emulator.caCertificate, { mode: 0o644 });
  console.log(`CA certificate: ${caPath}`);
  console.log(`  e.g. NODE_EXTRA_CA_CERTS=${caPath}  or  curl --cacert ${caPath}`);
}
console.log("seeded credentials:");
console.log(JSON.stringify(emulator.seeds, null, 2));

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing`);
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
