// gcore.UserToken through the real engine: the example program run inline against the emulator.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import program from "../../examples/gcore-user-token/index.ts";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { type OperationResult, TestStack } from "../harness/engine.ts";
import { expectCredentialsNotStored, expectNoSecrets } from "../harness/secrets.ts";

const T0 = new Date("2030-01-01T00:00:00Z");
const TYPE = "pulumi-nodejs:dynamic/gcore:UserToken";

let emu: Emulator;

// A fresh emulator per scenario: the first one deletes the user.
beforeEach(async () => {
  emu = await startEmulator({ now: T0 });
});
afterEach(async () => emu?.close());

async function openStack(projectName: string): Promise<TestStack> {
  return TestStack.open({
    projectName,
    program,
    config: {
      userId: { value: String(emu.seeds.gcore.userId) },
      "gcore:apiUrl": { value: emu.url },
      "gcore:apiKey": { value: emu.seeds.gcore.resellerApiKey, secret: true },
    },
  });
}

/** Moves the providers' clock and the emulator's together. */
function at(stack: TestStack, when: string): void {
  stack.setNow(new Date(when));
  emu.clock.set(when);
}

/** The gcore requests since the last call, as `route status`, and clears the log. */
function drainRequests(): string[] {
  const seen = emu.requestsFor("gcore").map((entry) => `${entry.route} ${entry.status}`);
  emu.clearRequests();
  return seen;
}

const out = (result: OperationResult, key: string) => String(result.outputs[key]?.value);

describe("gcore.UserToken on the real engine", () => {
  it("creates, keeps, renews, re-issues, survives a blacklisted refresh token, drops a deleted user, destroys", async () => {
    const stack = await openStack("gcore-user-token");
    const seenSecrets = new Set<string>([emu.seeds.gcore.resellerApiKey]);
    const remember = (result: OperationResult) => {
      seenSecrets.add(out(result, "accessToken"));
      seenSecrets.add(out(result, "refreshToken"));
    };
    try {
      // 1. create
      at(stack, "2030-01-01T00:00:00Z");
      emu.clearRequests();
      const created = await stack.up();
      remember(created);
      expect(created.changes).toEqual({ create: 2 });
      expect(drainRequests()).toEqual(["gcore.userToken 200"]);
      expect(created.outputs.accessToken?.secret).toBe(true);
      expect(created.outputs.refreshToken?.secret).toBe(true);
      expect(out(created, "tokenId")).toBe("users/1234");
      expect(out(created, "accessExpiresAt")).toBe("2030-01-01T01:00:00.000Z");
      expect(out(created, "refreshExpiresAt")).toBe("2030-01-02T00:00:00.000Z");
      expect(out(created, "rotatesAt")).toBe("2030-01-01T00:50:00.000Z");
      expect(created.outputs.userType?.value).toBe("common");
      expect(created.outputs.username?.value).toBe(emu.seeds.gcore.userEmail);
      await expect(emu.gcore.verifyAccessToken(out(created, "accessToken"))).resolves.toMatchObject({
        user_id: 1234,
      });

      // 2. plain up before rotatesAt: nothing changes, no API call
      at(stack, "2030-01-01T00:49:00Z");
      const same = await stack.up();
      expect(same.changes).toEqual({ same: 2 });
      expect(drainRequests()).toEqual([]);
      expect(out(same, "accessToken")).toBe(out(created, "accessToken"));

      // 3. past rotatesAt: renewed in place through the refresh endpoint
      at(stack, "2030-01-01T00:50:00Z");
      const renewed = await stack.up();
      remember(renewed);
      expect(renewed.changes).toEqual({ same: 1, update: 1 });
      expect(drainRequests()).toEqual(["gcore.refresh 200"]);
      expect(out(renewed, "tokenId")).toBe("users/1234");
      expect(out(renewed, "refreshToken")).not.toBe(out(created, "refreshToken"));
      expect(out(renewed, "accessToken")).not.toBe(out(created, "accessToken"));
      expect(out(renewed, "refreshExpiresAt")).toBe("2030-01-02T00:50:00.000Z");
      expect(out(renewed, "rotatesAt")).toBe("2030-01-01T01:40:00.000Z");
      const reuse = await fetch(`${emu.url}/iam/auth/jwt/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh: out(created, "refreshToken") }),
      });
      expect(reuse.status).toBe(401);
      expect(emu.gcore.isRefreshTokenBlacklisted(out(created, "refreshToken"))).toBe(true);
      drainRequests();

      // 4. past the refresh token's expiry: re-issued through the reseller endpoint, with one notice
      at(stack, "2030-01-02T01:00:00Z");
      const reissued = await stack.up();
      remember(reissued);
      expect(reissued.changes).toEqual({ same: 1, update: 1 });
      expect(drainRequests()).toEqual(["gcore.userToken 200"]);
      expect(reissued.output).toMatch(
        /pulumi-tokens: gcore: users\/1234: .*; the refresh JWT expired at 2030-01-02T00:50:00\.000Z, so the update issues a new pair through the reseller endpoint/,
      );
      expect(reissued.output).not.toContain("issuing a new pair through the reseller endpoint");
      expect(out(reissued, "rotatesAt")).toBe("2030-01-02T01:50:00.000Z");

      // 5. the refresh token is blacklisted behind Pulumi's back: the next due up still converges in one run
      emu.gcore.blacklistRefreshToken(out(reissued, "refreshToken"));
      at(stack, "2030-01-02T01:55:00Z");
      const recovered = await stack.up();
      remember(recovered);
      expect(recovered.changes).toEqual({ same: 1, update: 1 });
      expect(drainRequests()).toEqual(["gcore.refresh 401", "gcore.userToken 200"]);
      expect(recovered.output).toContain(
        "pulumi-tokens: gcore: user 1234: the refresh JWT was rejected with HTTP 401 (blacklisted, expired or invalid); issuing a new pair through the reseller endpoint",
      );
      await expect(emu.gcore.verifyAccessToken(out(recovered, "accessToken"))).resolves.toMatchObject({
        user_id: 1234,
      });
      const settled = await stack.up();
      expect(settled.changes).toEqual({ same: 2 });
      expect(drainRequests()).toEqual([]);

      // No plaintext JWT or API key at rest or in anything the engine printed.
      const exported = await stack.exportedState();
      expect(exported).toContain(TYPE);
      for (const secret of seenSecrets) {
        expect(exported).not.toContain(secret);
        expect(stack.transcript.join("")).not.toContain(secret);
      }
      const provider = String((await stack.resourceOutputs(TYPE)).__provider);
      expect(provider.length).toBeLessThan(4096);
      await expectNoSecrets(stack, seenSecrets);
      await expectCredentialsNotStored(stack, ["apiKey"], [emu.seeds.gcore.resellerApiKey]);

      // 6. the user is deleted: `up --refresh` drops the pair, then the re-create fails with Gcore's 404
      //    (documented: remove the resource or point it at an existing user)
      emu.gcore.deleteUser(1234);
      const failure = await stack.up({ refresh: true }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(drainRequests()).toEqual(["gcore.getUser 404", "gcore.userToken 404"]);
      const transcript = stack.transcript.join("");
      expect(transcript).toContain(
        "pulumi-tokens: gcore: user 1234: the user no longer exists (HTTP 404); the pair is dropped from the state",
      );
      expect(transcript).toContain(
        `gcore: issue user token failed with HTTP 404: Resource not found. (GET ${emu.url}/iam/auth/jwt/users/1234/token)`,
      );
      expect(await stack.exportedState()).not.toContain(TYPE);

      // 7. destroy: nothing left to forget, no API call
      const destroyed = await stack.destroy();
      expect(destroyed.changes).toEqual({ delete: 1 });
      expect(drainRequests()).toEqual([]);
      for (const secret of seenSecrets) expect(stack.transcript.join("")).not.toContain(secret);
      await expectNoSecrets(stack, seenSecrets, { errors: [failure] });
    } finally {
      await stack.dispose();
    }
  }, 120_000);

  it("converges when the refresh response is lost after the API used the refresh token up", async () => {
    const stack = await openStack("gcore-user-token-lost");
    try {
      at(stack, "2030-01-01T00:00:00Z");
      const created = await stack.up();
      expect(created.changes).toEqual({ create: 2 });
      drainRequests();

      emu.faults.inject("gcore.refresh", { kind: "drop-after" });
      at(stack, "2030-01-01T00:51:00Z");
      const renewed = await stack.up();
      expect(renewed.changes).toEqual({ same: 1, update: 1 });
      expect(drainRequests()).toEqual(["gcore.refresh 0", "gcore.userToken 200"]);
      expect(emu.gcore.isRefreshTokenBlacklisted(out(created, "refreshToken"))).toBe(true);
      expect(renewed.output).toMatch(
        /pulumi-tokens: gcore: user 1234: the refresh response was lost \(network error E[A-Z]+\) and the API may have used up the refresh JWT; issuing a new pair through the reseller endpoint/,
      );
      await expect(emu.gcore.verifyAccessToken(out(renewed, "accessToken"))).resolves.toMatchObject({
        user_id: 1234,
      });

      const settled = await stack.up();
      expect(settled.changes).toEqual({ same: 2 });
      expect(drainRequests()).toEqual([]);

      const destroyed = await stack.destroy();
      expect(destroyed.changes).toEqual({ delete: 2 });
      expect(drainRequests()).toEqual([]);
      expect(destroyed.output).toContain("pulumi-tokens: gcore: user 1234: Gcore cannot revoke JWTs");
      await expectNoSecrets(stack, [
        emu.seeds.gcore.resellerApiKey,
        ...[created, renewed].flatMap((result) => [out(result, "accessToken"), out(result, "refreshToken")]),
      ]);
    } finally {
      await stack.dispose();
    }
  }, 60_000);
});
