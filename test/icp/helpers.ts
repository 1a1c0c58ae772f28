// Shared pieces of the icp tests: the start instant, the ICP_* environment, inputs and calls against
// the HTTPS emulator.
import type { Emulator } from "../../src/emulator/index.ts";
import { icpProvider } from "../../src/icp/provider.ts";
import { configureProvider } from "../harness/emulator.ts";
import { httpsCall, passwordGrantRequest } from "../harness/https.ts";

/** The instant every icp test starts at. */
export const T0 = new Date("2030-01-01T00:00:00Z");

/** Environment variables the icp provider reads. */
export const ICP_ENV = [
  "ICP_CLUSTER_URL",
  "ICP_USERNAME",
  "ICP_PASSWORD",
  "ICP_ID_TOKEN",
  "ICP_CA_CERT",
] as const;

/** Delivers stack config to the provider the way the engine does (configure). */
export function configure(values: Record<string, string>): Promise<void> {
  return configureProvider(icpProvider, values);
}

/** Username/password inputs over HTTPS with the emulator's CA. */
export function passwordInputs(emu: Emulator): Record<string, unknown> {
  return {
    clusterUrl: emu.url,
    username: emu.seeds.icp.username,
    password: emu.seeds.icp.password,
    caCertificate: emu.caCertificate,
  };
}

/** An ID token straight from the emulator's identity provider (logged there; clear the log after). */
export async function mintIdToken(emu: Emulator): Promise<string> {
  const { json } = await httpsCall(`${emu.url}/idprovider/v1/auth/identitytoken`, {
    ...passwordGrantRequest(emu),
    ca: emu.caCertificate,
  });
  return String((json as { id_token?: string }).id_token);
}

/** The parsed `dockerConfigJson` output. */
export function parseDockerConfig(json: unknown): {
  auths: Record<string, { registrytoken: string }>;
} {
  return JSON.parse(String(json));
}

/** Checks inputs like the engine does and fails the test on failures. */
export async function checked(news: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await icpProvider.check?.({}, news);
  if (!result || result.failures) throw new Error(`check failed: ${JSON.stringify(result?.failures)}`);
  return result.inputs as Record<string, unknown>;
}
