// Shared setup of the icp tests: an HTTPS emulator, its clock tied to the providers' clock, and
// the settings sources (stack config, ICP_* env) reset between tests.
import { request } from "node:https";
import type * as pulumi from "@pulumi/pulumi";
import { NOW_ENV } from "../../src/core/clock.ts";
import { setStackConfig } from "../../src/core/settings.ts";
import type { Emulator } from "../../src/emulator/index.ts";
import { icpProvider } from "../../src/icp/provider.ts";

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

/** Moves the emulator clock and the providers' clock together. */
export function setNow(emu: Emulator, at: Date): void {
  emu.clock.set(at);
  process.env[NOW_ENV] = at.toISOString();
}

/** Back to T0, no faults, empty request log, no stack config, no ICP_* env. */
export function reset(emu: Emulator): void {
  setNow(emu, T0);
  emu.faults.clear();
  emu.clearRequests();
  setStackConfig(undefined);
  for (const name of ICP_ENV) delete process.env[name];
}

/** Delivers stack config to the provider the way the engine does (configure). */
export async function configure(values: Record<string, string>): Promise<void> {
  const config = { get: (key: string) => values[key], require: (key: string) => values[key] ?? "" };
  await icpProvider.configure?.({ config } as unknown as pulumi.dynamic.ConfigureRequest);
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
export function mintIdToken(emu: Emulator): Promise<string> {
  const body = new URLSearchParams({
    grant_type: "password",
    username: emu.seeds.icp.username,
    password: emu.seeds.icp.password,
    scope: "openid",
  }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${emu.url}/idprovider/v1/auth/identitytoken`,
      {
        method: "POST",
        ca: emu.caCertificate,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
        });
        res.on("end", () => resolve(String((JSON.parse(text) as { id_token?: string }).id_token)));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The parsed `dockerConfigJson` output. */
export function parseDockerConfig(json: unknown): {
  auths: Record<string, { username: string; password: string; auth: string }>;
} {
  return JSON.parse(String(json));
}

/** Checks inputs like the engine does and fails the test on failures. */
export async function checked(news: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await icpProvider.check?.({}, news);
  if (!result || result.failures) throw new Error(`check failed: ${JSON.stringify(result?.failures)}`);
  return result.inputs as Record<string, unknown>;
}
