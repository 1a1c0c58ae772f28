// The fault matrix through the real engine. One stack holds one resource per fault kind; the
// faults are queued on a route, one per request, so a single `pulumi up` sends every fault kind to
// a different resource. Each operation (create, refresh, rotation, delete) must converge within two
// runs, leave no token at the API that the state does not track, and lose no credential.
import { afterAll, describe, expect, it } from "vitest";
import { gcore, icp, netbird, registry } from "pulumi-tokens";
import { type Emulator, type FaultKind, startEmulator } from "../../src/emulator/index.ts";
import { presentedForm } from "../../src/core/stored-form.ts";
import { USER_TOKEN } from "../../src/gcore/definition.ts";
import { REGISTRY_TOKEN } from "../../src/icp/definition.ts";
import { PERSONAL_ACCESS_TOKEN } from "../../src/netbird/definition.ts";
import { TOKEN } from "../../src/registry/definition.ts";
import { TestStack } from "../harness/engine.ts";

const T0 = new Date("2030-01-01T00:00:00Z");
const DAY = 86_400_000;
const MINUTE = 60_000;

/** Every fault kind the emulator can inject that a client can meet in the wild. */
const FAULTS: readonly { name: string; fault: FaultKind }[] = [
  { name: "429 with Retry-After", fault: { kind: "status", status: 429, retryAfter: 1 } },
  { name: "500", fault: { kind: "status", status: 500 } },
  { name: "502", fault: { kind: "status", status: 502 } },
  { name: "503", fault: { kind: "status", status: 503 } },
  { name: "reset before the server acted", fault: { kind: "drop" } },
  { name: "reset after the server acted", fault: { kind: "drop-after" } },
  { name: "malformed JSON", fault: { kind: "bad-json" } },
  { name: "200 without the required fields", fault: { kind: "status", status: 200, body: {} } },
];

/** What docs/reliability.md's table reports; filled by the scenarios below. */
const figures: {
  vendor: string;
  operation: string;
  faults: number;
  runs: number;
  orphans: number;
  lost: number;
}[] = [];
afterAll(() => {
  const lines = figures.map(
    (row) =>
      `fault matrix: ${row.vendor} ${row.operation}: ${row.faults} fault kinds, converged in ${row.runs} run(s), ` +
      `${row.orphans} orphaned, ${row.lost} credentials lost`,
  );
  process.stderr.write(`${lines.join("\n")}\n`);
});

function queue(emu: Emulator, route: string, faults: readonly { fault: FaultKind }[] = FAULTS): void {
  for (const { fault } of faults) emu.faults.inject(route, fault);
}

/**
 * NetBird's DELETE answers 200 `{}`: a 200 that did nothing looks exactly like success to any
 * client, so that fault is not sent to DELETE.
 */
const DELETE_FAULTS = FAULTS.filter(({ fault }) => !(fault.kind === "status" && fault.status === 200));

/** Runs `operation` until it succeeds, at most twice; returns how many runs it took. */
async function converge(operation: () => Promise<unknown>): Promise<number> {
  try {
    await operation();
    return 1;
  } catch {
    await operation();
    return 2;
  }
}

/** Moves the providers' clock and the emulator's together. */
const clockOf = (stack: TestStack, emu: Emulator) => (when: Date) => {
  stack.setNow(when);
  emu.clock.set(when);
};

const succeeds = (check: Promise<unknown>): Promise<boolean> =>
  check.then(
    () => true,
    () => false,
  );

type Resource = { type: string; id: string; outputs: Record<string, unknown> };
/** A decrypted secret in a stack export is `{<sig>: …, plaintext: "<JSON>"}`. */
const plain = (value: unknown): unknown =>
  typeof value === "object" && value !== null && "plaintext" in value
    ? JSON.parse(String((value as { plaintext: unknown }).plaintext))
    : value;
const DEFINITIONS = [PERSONAL_ACCESS_TOKEN, USER_TOKEN, REGISTRY_TOKEN, TOKEN];

/** The token resources of `type` with their outputs decrypted and presented (packed secrets by name). */
async function tokenResources(stack: TestStack, type: string): Promise<Resource[]> {
  const definition = DEFINITIONS.find((candidate) => type.endsWith(`/${candidate.vendor}:${candidate.type}`));
  if (!definition) throw new Error(`no definition for ${type}`);
  // Decrypted: the test's bookkeeping (is each credential still usable?), not an at-rest check.
  const deployment = await stack.decryptedDeployment();
  return (deployment.resources as Resource[])
    .filter((resource) => resource.type === type)
    .map((resource) => ({
      ...resource,
      outputs: presentedForm(
        definition.storedForm,
        Object.fromEntries(Object.entries(resource.outputs).map(([key, value]) => [key, plain(value)])),
      ),
    }));
}

describe("fault matrix through the engine", () => {
  it("netbird.PersonalAccessToken: create, refresh, rotation and delete under every fault kind", async () => {
    const emu = await startEmulator({ now: T0 });
    const type = "pulumi-nodejs:dynamic/netbird:PersonalAccessToken";
    const stack = await TestStack.open({
      projectName: "faults-netbird",
      program: async () => {
        FAULTS.forEach((_, index) => {
          new netbird.PersonalAccessToken(`t${index}`, {
            userId: "svc-ci",
            name: `fault-${index}`,
            expiresInDays: 30,
            managementUrl: emu.url,
          });
        });
      },
      config: { "netbird:apiToken": { value: emu.seeds.netbird.adminToken, secret: true } },
    });
    const at = clockOf(stack, emu);
    /** Tokens at the API that no state tracks, and tracked tokens that no longer authenticate. */
    const audit = async () => {
      const tracked = new Set<string>();
      let lost = 0;
      for (const { outputs } of await tokenResources(stack, type)) {
        tracked.add(String(outputs.tokenId));
        if (outputs.previousTokenId) tracked.add(String(outputs.previousTokenId));
        if (!emu.netbird.authenticate(String(outputs.token))) lost++;
      }
      const orphans = emu.netbird.tokens("svc-ci").filter((token) => !tracked.has(token.id)).length;
      return { orphans, lost };
    };
    const record = async (operation: string, runs: number) => {
      const { orphans, lost } = await audit();
      figures.push({ vendor: "netbird", operation, faults: FAULTS.length, runs, orphans, lost });
      expect([operation, runs <= 2, orphans, lost]).toEqual([operation, true, 0, 0]);
    };
    try {
      at(T0);
      queue(emu, "netbird.createToken");
      await record("create", await converge(() => stack.up()));
      expect(await tokenResources(stack, type)).toHaveLength(FAULTS.length);

      queue(emu, "netbird.getToken");
      await record("refresh", await converge(() => stack.up({ refresh: true })));

      at(new Date(T0.getTime() + 25 * DAY));
      queue(emu, "netbird.createToken");
      await record("rotation", await converge(() => stack.up()));
      for (const { outputs } of await tokenResources(stack, type))
        expect(outputs.previousTokenId).toBeDefined();

      emu.faults.clear();
      queue(emu, "netbird.deleteToken", DELETE_FAULTS);
      const runs = await converge(() => stack.destroy());
      const left = emu.netbird.tokens("svc-ci").length;
      figures.push({
        vendor: "netbird",
        operation: "delete",
        faults: DELETE_FAULTS.length,
        runs,
        orphans: left,
        lost: 0,
      });
      expect([runs <= 2, left]).toEqual([true, 0]);
    } finally {
      await stack.dispose();
      await emu.close();
    }
  }, 300_000);

  it("gcore.UserToken: issue and refresh under every fault kind", async () => {
    const emu = await startEmulator({ now: T0 });
    const type = "pulumi-nodejs:dynamic/gcore:UserToken";
    const stack = await TestStack.open({
      projectName: "faults-gcore",
      program: async () => {
        FAULTS.forEach((_, index) => new gcore.UserToken(`t${index}`, { userId: emu.seeds.gcore.userId }));
      },
      config: {
        "gcore:apiUrl": { value: emu.url },
        "gcore:apiKey": { value: emu.seeds.gcore.resellerApiKey, secret: true },
      },
    });
    const at = clockOf(stack, emu);
    const record = async (operation: string, runs: number) => {
      const resources = await tokenResources(stack, type);
      // A pair is lost when its access token no longer works and its refresh token is missing or used up.
      let lost = 0;
      for (const { outputs } of resources) {
        const works = await succeeds(emu.gcore.verifyAccessToken(String(outputs.accessToken)));
        const refresh = outputs.refreshToken;
        if (!works && (typeof refresh !== "string" || emu.gcore.isRefreshTokenBlacklisted(refresh))) lost++;
      }
      figures.push({ vendor: "gcore", operation, faults: FAULTS.length, runs, orphans: 0, lost });
      expect([operation, runs <= 2, resources.length, lost]).toEqual([operation, true, FAULTS.length, 0]);
    };
    try {
      at(T0);
      queue(emu, "gcore.userToken");
      await record("create", await converge(() => stack.up()));
      at(new Date(T0.getTime() + 55 * MINUTE));
      queue(emu, "gcore.refresh");
      await record("rotation", await converge(() => stack.up()));
      queue(emu, "gcore.getUser");
      await record("refresh", await converge(() => stack.up({ refresh: true })));
      emu.faults.clear();
      await stack.destroy();
    } finally {
      await stack.dispose();
      await emu.close();
    }
  }, 300_000);

  it("icp.RegistryToken: fetch and renewal under every fault kind", async () => {
    const emu = await startEmulator({ now: T0, tls: true });
    const type = "pulumi-nodejs:dynamic/icp:RegistryToken";
    const stack = await TestStack.open({
      projectName: "faults-icp",
      program: async () => {
        FAULTS.forEach(
          (_, index) => new icp.RegistryToken(`t${index}`, { scope: `repository:ns/app${index}:pull` }),
        );
      },
      config: {
        "icp:clusterUrl": { value: emu.url },
        "icp:username": { value: emu.seeds.icp.username },
        "icp:password": { value: emu.seeds.icp.password, secret: true },
        "icp:caCertificate": { value: String(emu.caCertificate) },
      },
    });
    const at = clockOf(stack, emu);
    const record = async (operation: string, runs: number) => {
      const resources = await tokenResources(stack, type);
      let lost = 0;
      for (const { outputs } of resources) {
        const works = await succeeds(emu.icp.verifyRegistryToken(String(outputs.token)));
        if (!works) lost++;
      }
      figures.push({ vendor: "icp", operation, faults: FAULTS.length, runs, orphans: 0, lost });
      expect([operation, runs <= 2, resources.length, lost]).toEqual([operation, true, FAULTS.length, 0]);
    };
    try {
      at(T0);
      queue(emu, "icp.registryToken");
      await record("create", await converge(() => stack.up()));
      at(new Date(T0.getTime() + 26 * MINUTE));
      queue(emu, "icp.identityToken");
      await record("rotation", await converge(() => stack.up()));
      emu.faults.clear();
      await stack.destroy();
    } finally {
      await stack.dispose();
      await emu.close();
    }
  }, 300_000);
  // One stack (and emulator) per grant: the engine stops starting new steps after the first failure, so
  // in a shared stack the faults queued for the resources it never started would carry over to run 2.
  it("registry.Token: issue and renewal, Basic GET and OAuth2 password grant, under every fault kind", async () => {
    const started = Date.now();
    const type = "pulumi-nodejs:dynamic/registry:Token";
    const GRANTS = [
      { grant: "basic", label: "Basic GET", route: "registry.tokenGet" },
      { grant: "password", label: "OAuth2 password", route: "registry.tokenPost" },
    ] as const;
    for (const { grant, label, route } of GRANTS) {
      const emu = await startEmulator({ now: T0, tls: true });
      // Harbor-like 30-minute tokens: kept until rotatesAt (25 min with the default 300 s window).
      emu.registry.setModes({ tokenLifetimeSeconds: 1800 });
      const { service, realmPath, ci } = emu.seeds.registry;
      const stack = await TestStack.open({
        projectName: `faults-registry-${grant}`,
        program: async () => {
          FAULTS.forEach(
            (_, index) =>
              new registry.Token(`t${index}`, {
                realm: `${emu.url}${realmPath}`,
                service,
                scopes: ["repository:team/app:pull"],
                grantType: grant,
              }),
          );
        },
        config: {
          "registry:username": { value: ci.username },
          "registry:password": { value: ci.password, secret: true },
          "registry:caCertificate": { value: String(emu.caCertificate) },
        },
      });
      const at = clockOf(stack, emu);
      /** Usable: the emulator verifies it now, for this service, granting the scope asked for. */
      const usable = async (token: unknown): Promise<boolean> => {
        try {
          const claims = await emu.registry.verifyToken(String(token));
          return (
            claims.aud === service &&
            JSON.stringify(claims.access) ===
              JSON.stringify([{ type: "repository", name: "team/app", actions: ["pull"] }])
          );
        } catch {
          return false;
        }
      };
      const record = async (operation: string, runs: number) => {
        const resources = await tokenResources(stack, type);
        let lost = 0;
        for (const { outputs } of resources) if (!(await usable(outputs.token))) lost++;
        figures.push({
          vendor: "registry",
          operation: `${operation} (${label})`,
          faults: FAULTS.length,
          runs,
          orphans: 0,
          lost,
        });
        expect([operation, grant, runs <= 2, resources.length, lost]).toEqual([
          operation,
          grant,
          true,
          FAULTS.length,
          0,
        ]);
        return resources;
      };
      try {
        at(T0);
        queue(emu, route);
        const issued = new Map<string, string>();
        for (const { id, outputs } of await record("issue", await converge(() => stack.up()))) {
          issued.set(id, String(outputs.token));
          expect([id, Date.parse(String(outputs.issuedAt))]).toEqual([id, T0.getTime()]);
        }

        at(new Date(T0.getTime() + 26 * MINUTE));
        queue(emu, route);
        // Every token was renewed, and the one it replaced still verifies until it expires.
        for (const { id, outputs } of await record("renewal", await converge(() => stack.up()))) {
          expect([id, outputs.token === issued.get(id), await usable(issued.get(id))]).toEqual([
            id,
            false,
            true,
          ]);
        }
        emu.faults.clear();
        await stack.destroy();
      } finally {
        await stack.dispose();
        await emu.close();
      }
    }
    // eslint-disable-next-line no-console -- the duration bounds the scenario (< 60 s warm)
    console.info(`fault matrix: registry: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 120_000);
});
