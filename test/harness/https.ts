/**
 * Raw HTTPS requests with node:https, for tests that need control over the TLS handshake (trusted
 * CA, SNI name) that `fetch` does not give. Independent of the package's own HTTP clients.
 */
import { request } from "node:https";
import type { Emulator } from "../../src/emulator/index.ts";

/** Options of {@link httpsCall}. */
export interface HttpsOptions {
  /** PEM of the CA to trust instead of the system roots. */
  ca?: string | undefined;
  /** The TLS server name (SNI) to ask for and verify. */
  servername?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One HTTPS request with node:https (agent: false, so every call does a fresh handshake). */
export function httpsCall(
  url: string,
  options: HttpsOptions = {},
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        agent: false,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.servername === undefined ? {} : { servername: options.servername }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * Method, headers and form body of an ICP identity-token request (OAuth password grant, scope
 * openid) for the emulator's seeded user: POST it to `${emu.url}/idprovider/v1/auth/identitytoken`.
 */
export function passwordGrantRequest(emu: Emulator): HttpsOptions {
  const body = new URLSearchParams({
    grant_type: "password",
    username: emu.seeds.icp.username,
    password: emu.seeds.icp.password,
    scope: "openid",
  }).toString();
  return { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body };
}
