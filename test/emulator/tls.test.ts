import { X509Certificate } from "node:crypto";
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, generateCertificateAuthority, startEmulator } from "../../src/emulator/index.ts";
import { T0 } from "./helpers.ts";

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ tls: true, now: T0 });
});
afterAll(() => emu.close());

interface HttpsOptions {
  ca?: string;
  servername?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One HTTPS request with node:https (agent: false, so every call does a fresh handshake). */
function httpsCall(url: string, options: HttpsOptions = {}): Promise<{ status: number; json: unknown }> {
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

const TLS_ERROR =
  /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|CERT_SIGNATURE_FAILURE/;

describe("emulator over HTTPS", () => {
  it("serves https://127.0.0.1:PORT with a generated CA certificate", () => {
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = new X509Certificate(emu.caCertificate ?? "");
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe(ca.issuer);
  });

  it("a client trusting caCertificate succeeds (by IP and as mycluster.icp / localhost)", async () => {
    const headers = { authorization: `Token ${emu.seeds.netbird.adminToken}` };
    const ca = emu.caCertificate ?? "";
    const viaIp = await httpsCall(`${emu.url}/api/users/current`, { ca, headers });
    expect(viaIp.status).toBe(200);
    expect(viaIp.json).toMatchObject({ id: "user-admin" });

    const body = new URLSearchParams({
      grant_type: "password",
      username: emu.seeds.icp.username,
      password: emu.seeds.icp.password,
      scope: "openid",
    }).toString();
    for (const servername of ["mycluster.icp", "localhost"]) {
      const r = await httpsCall(`${emu.url}/idprovider/v1/auth/identitytoken`, {
        ca,
        servername,
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      expect(r.status).toBe(200);
    }
  });

  it("a client without the CA fails with a TLS error (node:https and fetch)", async () => {
    const error = await httpsCall(`${emu.url}/api/users/current`).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toMatch(TLS_ERROR);
    const fetchError = await fetch(`${emu.url}/api/users/current`).catch((e: unknown) => e);
    expect(fetchError).toBeInstanceOf(TypeError);
    expect(((fetchError as Error).cause as NodeJS.ErrnoException).code).toMatch(TLS_ERROR);
  });

  it("a client trusting a different generated CA fails", async () => {
    const wrong = await generateCertificateAuthority();
    expect(wrong.certificatePem).not.toBe(emu.caCertificate);
    const error = await httpsCall(`${emu.url}/api/users/current`, { ca: wrong.certificatePem }).catch(
      (e: unknown) => e,
    );
    expect((error as NodeJS.ErrnoException).code).toMatch(TLS_ERROR);
  });

  it("a name outside the SANs fails hostname verification", async () => {
    const error = await httpsCall(`${emu.url}/api/users/current`, {
      ca: emu.caCertificate ?? "",
      servername: "example.com",
    }).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("plain HTTP mode has no CA", async () => {
    const plain = await startEmulator();
    try {
      expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.caCertificate).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});
