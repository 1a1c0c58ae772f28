import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, generateCertificateAuthority, startEmulator } from "../../src/emulator/index.ts";
import { httpsCall, passwordGrantRequest } from "../harness/https.ts";
import { T0 } from "./helpers.ts";

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ tls: true, now: T0 });
});
afterAll(() => emu.close());

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

    for (const servername of ["mycluster.icp", "localhost"]) {
      const r = await httpsCall(`${emu.url}/idprovider/v1/auth/identitytoken`, {
        ...passwordGrantRequest(emu),
        ca,
        servername,
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
