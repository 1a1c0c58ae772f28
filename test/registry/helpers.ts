// Shared pieces of the registry tests: the start instant, the REGISTRY_* environment, inputs against the
// HTTPS emulator's generic token server.
import type { Emulator } from "../../src/emulator/index.ts";
import { registryProvider } from "../../src/registry/provider.ts";
import { configureProvider } from "../harness/emulator.ts";

/** The instant every registry test starts at. */
export const T0 = new Date("2030-01-01T00:00:00Z");

/** Environment variables the registry provider reads. */
export const REGISTRY_ENV = [
  "REGISTRY_USERNAME",
  "REGISTRY_PASSWORD",
  "REGISTRY_REFRESH_TOKEN",
  "REGISTRY_CA_CERT",
] as const;

/** Delivers stack config to the provider the way the engine does (configure). */
export function configure(values: Record<string, string>): Promise<void> {
  return configureProvider(registryProvider, values);
}

/** Inputs for the emulator as the registry (discovery) with the `ci` account and its CA. */
export function ciInputs(emu: Emulator, scopes = ["repository:team/app:pull,push"]): Record<string, unknown> {
  return {
    registryUrl: emu.url,
    scopes,
    username: emu.seeds.registry.ci.username,
    password: emu.seeds.registry.ci.password,
    caCertificate: emu.caCertificate,
  };
}

/** Checks inputs like the engine does and fails the test on failures. */
export async function checked(news: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await registryProvider.check?.({}, news);
  if (!result || result.failures) throw new Error(`check failed: ${JSON.stringify(result?.failures)}`);
  return result.inputs as Record<string, unknown>;
}
