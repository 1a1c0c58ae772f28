// One PersonalAccessToken scenario (test/e2e/netbird-scenario.ts), two backends: the emulator and the
// real NetBird management server v0.69.0 (built by scripts/ensure-netbird.sh on first use), as the
// dynamic resource and as the plugin's type token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NetbirdServer, netbirdBinary, startNetbirdServer } from "../harness/netbird-server.ts";
import {
  adoptionScenario,
  credentialSourceRecoveryScenario,
  emulatorBackend,
  lifecycleScenario,
  type PatBackend,
  realBackend,
  recoveryScenario,
} from "./netbird-scenario.ts";

const SCENARIO_MS = 240_000;
const BUILD_MS = 35 * 60_000;

async function onEmulator(run: (backend: PatBackend) => Promise<void>): Promise<void> {
  const backend = await emulatorBackend(new Date());
  try {
    await run(backend);
  } finally {
    await backend.close();
  }
}

describe("the PAT scenario on the emulator", () => {
  it(
    "lifecycle, dynamic resource",
    () => onEmulator((b) => lifecycleScenario(b, "dynamic", "nb-emu-life")),
    SCENARIO_MS,
  );
  it(
    "adoption, dynamic resource",
    () => onEmulator((b) => adoptionScenario(b, "dynamic", "nb-emu-adopt")),
    SCENARIO_MS,
  );
});

describe("the PAT scenario on the real NetBird management server v0.69.0", () => {
  let server: NetbirdServer | undefined;
  // One backend for the server: it follows the admin credential the lifecycle replaces.
  let backend: PatBackend | undefined;
  beforeAll(async () => {
    const binary = await netbirdBinary();
    if (binary) server = await startNetbirdServer(binary);
    if (server) backend = realBackend(server);
  }, BUILD_MS);
  afterAll(async () => server?.stop());

  it("listens on loopback only: the API, the metrics port and pprof (patched at build time)", async (context) => {
    if (!server) return context.skip();
    const addresses = await server.listeners();
    expect(addresses).toHaveLength(3);
    for (const address of addresses) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(addresses).toContain(new URL(server.directUrl).host);
  });

  const onServer = (run: (backend: PatBackend) => Promise<void>) => async (context: { skip(): void }) => {
    if (!server || !backend) return context.skip();
    server.clearRequests();
    await run(backend);
  };
  it(
    "lifecycle, dynamic resource",
    onServer((b) => lifecycleScenario(b, "dynamic", "nb-real-life")),
    SCENARIO_MS,
  );
  it(
    "lifecycle, plugin type tokens:netbird:PersonalAccessToken",
    onServer((b) => lifecycleScenario(b, "plugin", "nb-real-plugin")),
    SCENARIO_MS,
  );
  it(
    "adoption, dynamic resource",
    onServer((b) => adoptionScenario(b, "dynamic", "nb-real-adopt")),
    SCENARIO_MS,
  );
  it(
    "adoption, plugin type tokens:netbird:PersonalAccessToken",
    onServer((b) => adoptionScenario(b, "plugin", "nb-real-adopt-plugin")),
    SCENARIO_MS,
  );
  it(
    "recovery after the admin credential from NB_PAT is revoked: set it, run refresh/destroy again",
    onServer((b) => credentialSourceRecoveryScenario(b, "dynamic", "env", "nb-real-recover-env")),
    SCENARIO_MS,
  );
  it(
    "recovery after the admin credential from the apiToken input is revoked: up first, then refresh/destroy",
    onServer((b) => credentialSourceRecoveryScenario(b, "dynamic", "input", "nb-real-recover-input")),
    SCENARIO_MS,
  );
  it(
    "recovery after the admin credential from NB_PAT is revoked, plugin type",
    onServer((b) => credentialSourceRecoveryScenario(b, "plugin", "env", "nb-real-recover-env-plugin")),
    SCENARIO_MS,
  );
  it(
    "recovery after the admin credential from the apiToken input is revoked, plugin type",
    onServer((b) => credentialSourceRecoveryScenario(b, "plugin", "input", "nb-real-recover-input-plugin")),
    SCENARIO_MS,
  );
  it(
    "recovery after the admin credential is revoked: refresh and up, dynamic resource",
    onServer((b) => recoveryScenario(b, "dynamic", "nb-real-recover")),
    SCENARIO_MS,
  );
});
