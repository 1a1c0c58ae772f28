// icp.RegistryToken through the real engine, over HTTPS with a generated CA: the example program
// run inline against the emulator, then the TLS failure modes on a stack of their own.
import * as pulumi from "@pulumi/pulumi";
import { icp } from "pulumi-tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import program from "../../examples/icp-registry-token/index.ts";
import { type Emulator, generateCertificateAuthority, startEmulator } from "../../src/emulator/index.ts";
import { type OperationResult, TestStack } from "../harness/engine.ts";
import { expectCredentialsNotStored, expectNoSecrets } from "../harness/secrets.ts";

const T0 = new Date("2030-01-01T00:00:00Z");
const TYPE = "pulumi-nodejs:dynamic/icp:RegistryToken";

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ tls: true, now: T0 });
});
afterAll(async () => emu?.close());

/** Moves the providers' clock and the emulator's together. */
function at(stack: TestStack, when: string): void {
  stack.setNow(new Date(when));
  emu.clock.set(when);
}

/** The icp requests since the last call, as `METHOD route status`, and clears the log. */
function drainRequests(): string[] {
  const seen = emu.requestsFor("icp").map((entry) => `${entry.method} ${entry.route} ${entry.status}`);
  emu.clearRequests();
  return seen;
}

const connection = (withCa: boolean) => ({
  "icp:clusterUrl": { value: emu.url },
  "icp:username": { value: emu.seeds.icp.username },
  "icp:password": { value: emu.seeds.icp.password, secret: true },
  ...(withCa ? { "icp:caCertificate": { value: String(emu.caCertificate) } } : {}),
});

/** The `dockerConfigJson` stack output, parsed. */
function dockerConfig(result: OperationResult) {
  return JSON.parse(String(result.outputs.dockerConfigJson?.value)) as {
    auths: Record<string, { registrytoken: string }>;
  };
}

describe("icp.RegistryToken on the real engine", () => {
  it("creates over HTTPS with the cluster CA, keeps, renews when due, re-creates once expired, destroys", async () => {
    const stack = await TestStack.open({
      projectName: "icp-registry-token",
      program,
      config: connection(true),
    });
    const tokens: string[] = [];
    const expectPullSecret = async (result: OperationResult) => {
      expect(result.outputs.dockerConfigJson?.secret).toBe(true);
      expect(result.outputs.token?.secret).toBe(true);
      const token = String(result.outputs.token?.value);
      expect(dockerConfig(result)).toEqual({ auths: { "127.0.0.1:8500": { registrytoken: token } } });
      expect(result.outputs.service?.value).toBe("token-service");
      await expect(emu.icp.verifyRegistryToken(token)).resolves.toMatchObject({
        sub: "admin",
        aud: "token-service",
        access: [{ type: "repository", name: "ns/app", actions: ["pull"] }],
      });
      tokens.push(token);
      return token;
    };
    try {
      // 1. create: ID token, then the registry token
      at(stack, "2030-01-01T00:00:00Z");
      emu.clearRequests();
      const created = await stack.up();
      expect(created.changes).toEqual({ create: 2 });
      expect(drainRequests()).toEqual(["POST icp.identityToken 200", "GET icp.registryToken 200"]);
      expect(created.outputs.tokenId?.value).toBe("127.0.0.1:8500/repository:ns/app:pull");
      expect(created.outputs.registry?.value).toBe("127.0.0.1:8500");
      expect(created.outputs.access?.value).toEqual([
        { type: "repository", name: "ns/app", actions: ["pull"] },
      ]);
      expect(created.outputs.expiresAt?.value).toBe("2030-01-01T00:30:00.000Z");
      expect(created.outputs.rotatesAt?.value).toBe("2030-01-01T00:25:00.000Z");
      const first = await expectPullSecret(created);

      // 2. plain up before rotatesAt: nothing changes, nothing is called
      at(stack, "2030-01-01T00:20:00Z");
      const same = await stack.up();
      expect(same.changes).toEqual({ same: 2 });
      expect(drainRequests()).toEqual([]);
      expect(dockerConfig(same).auths["127.0.0.1:8500"]?.registrytoken).toBe(first);

      // 3. past rotatesAt: an in-place update fetches a new token under the same id
      at(stack, "2030-01-01T00:26:00Z");
      const renewed = await stack.up();
      expect(renewed.changes).toEqual({ same: 1, update: 1 });
      expect(drainRequests()).toEqual(["POST icp.identityToken 200", "GET icp.registryToken 200"]);
      expect(renewed.outputs.tokenId?.value).toBe("127.0.0.1:8500/repository:ns/app:pull");
      expect(renewed.outputs.rotatesAt?.value).toBe("2030-01-01T00:51:00.000Z");
      const second = await expectPullSecret(renewed);
      expect(second).not.toBe(first);

      // 4. expired (no up ran in time): refresh drops it, the same `up --refresh` creates a new one
      at(stack, "2030-01-01T01:00:00Z");
      const recreated = await stack.up({ refresh: true });
      expect(recreated.changes).toEqual({ create: 1, same: 1 });
      expect(drainRequests()).toEqual(["POST icp.identityToken 200", "GET icp.registryToken 200"]);
      expect(recreated.outputs.rotatesAt?.value).toBe("2030-01-01T01:25:00.000Z");
      const third = await expectPullSecret(recreated);
      expect(third).not.toBe(second);

      // Nothing secret in plaintext: not at rest, not in what the engine printed.
      const state = await stack.exportedState();
      const printed = stack.transcript.join("");
      for (const secret of [...tokens, emu.seeds.icp.password]) {
        expect(state).not.toContain(secret);
        expect(printed).not.toContain(secret);
      }
      const outputs = await stack.resourceOutputs(TYPE);
      expect(String(outputs.__provider).length).toBeLessThan(4096);
      // The registry JWTs and the password (the docker configs hold the JWTs verbatim).
      const known = [...tokens, emu.seeds.icp.password];
      await expectNoSecrets(stack, known);
      await expectCredentialsNotStored(stack, ["username", "password", "idToken"], [emu.seeds.icp.password]);

      // 5. destroy: nothing to revoke, nothing called
      const destroyed = await stack.destroy();
      expect(destroyed.changes).toEqual({ delete: 2 });
      expect(drainRequests()).toEqual([]);
      await expectNoSecrets(stack, known);
    } finally {
      await stack.dispose();
    }
  }, 120_000);

  it("fails on a missing or wrong CA naming caCertificate; insecureSkipTlsVerify works and warns", async () => {
    const tlsProgram = async () => {
      const insecure = new pulumi.Config().getBoolean("insecure") ?? false;
      const token = new icp.RegistryToken("tls", { insecureSkipTlsVerify: insecure });
      return { expiresAt: token.expiresAt };
    };
    const stack = await TestStack.open({
      projectName: "icp-tls",
      program: tlsProgram,
      config: connection(false),
    });
    const tlsMessage =
      `icp: request ID token failed: the server certificate of ${emu.url}/idprovider/v1/auth/identitytoken ` +
      'could not be verified (UNABLE_TO_VERIFY_LEAF_SIGNATURE); set "caCertificate" to the PEM of the CA that signed it';
    try {
      at(stack, "2030-01-01T00:00:00Z");
      emu.clearRequests();
      await expect(stack.up()).rejects.toThrow(tlsMessage);

      const wrong = await generateCertificateAuthority();
      await stack.stack.setConfig("icp:caCertificate", { value: wrong.certificatePem });
      await expect(stack.up()).rejects.toThrow(tlsMessage);
      expect(drainRequests()).toEqual([]);

      await stack.stack.removeConfig("icp:caCertificate");
      await stack.stack.setConfig("insecure", { value: "true" });
      const insecure = await stack.up();
      expect(insecure.changes).toEqual({ create: 1, same: 1 });
      expect(insecure.output).toContain(
        `pulumi-tokens: icp: WARNING: "insecureSkipTlsVerify" is set: the TLS certificate of ${emu.url} is NOT verified; ` +
          'set "caCertificate" to the cluster CA instead',
      );
      expect(drainRequests()).toEqual(["POST icp.identityToken 200", "GET icp.registryToken 200"]);
      await expectNoSecrets(stack, [emu.seeds.icp.password]);
      await expectCredentialsNotStored(stack, ["username", "password", "idToken"], [emu.seeds.icp.password]);

      await stack.destroy();
      await expectNoSecrets(stack, [emu.seeds.icp.password]);
    } finally {
      await stack.dispose();
    }
  }, 120_000);
});
