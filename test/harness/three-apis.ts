/**
 * The three APIs as the whole-program proofs (test/languages, test/yaml) run them: NetBird and Gcore on one
 * plain-HTTP emulator, ICP on one over HTTPS with its generated CA; one clock for both; and the requests
 * each API received, which every step of those scenarios asserts exactly.
 */
import { expect } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";

/** The scenarios' start time; the emulators and the programs' providers start there. */
export const T0 = new Date("2030-01-01T00:00:00Z");
/** `n` minutes after {@link T0}. */
export const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/** The programs' settings (project config they read), one token of each kind, rotating within minutes. */
export const PROGRAM_SETTINGS = {
  netbirdUserId: "svc-ci",
  netbirdTokenName: "ci-pipeline",
  // A one-day PAT renewed 0.99 days before it expires: rotatesAt is T0 + 14.4 minutes.
  netbirdExpiresInDays: "1",
  netbirdRotateBeforeDays: "0.99",
  gcoreUserId: "1234",
  // Access JWTs live 60 minutes: rotatesAt is T0 + 20 minutes (the refresh JWT lives 24 hours).
  gcoreRotateBeforeMinutes: "40",
  icpScope: "repository:ns/app:pull",
  // Registry tokens live 30 minutes: rotatesAt is T0 + 20 minutes.
  icpRotateBeforeMinutes: "10",
};

/** The requests each API received, as `route status` (ICP: `method route status`). */
export interface ApiRequests {
  netbird: string[];
  gcore: string[];
  icp: string[];
  /** Requests no API route matched, as `method path status`. */
  other: string[];
}

/** No request at any API. */
export const NO_CALLS: ApiRequests = { netbird: [], gcore: [], icp: [], other: [] };

/** The two emulators, started by {@link startThreeApis}. */
export interface ThreeApis {
  /** NetBird and Gcore, plain HTTP. */
  plain: Emulator;
  /** ICP, over HTTPS. */
  tls: Emulator;
  /** The credentials the programs are given (seeded admin PAT, reseller API key, ICP password). */
  credentials: string[];
  /** The emulators' time; programs get the same through `PULUMI_TOKENS_NOW`. */
  now(): Date;
  /** Moves both emulator clocks. */
  at(when: Date): void;
  /** The requests since the last call (asserting none reached the wrong emulator); clears the logs. */
  drain(): ApiRequests;
  close(): Promise<void>;
}

/** Starts both emulators at `now`. */
export async function startThreeApis(now: Date): Promise<ThreeApis> {
  const [plain, tls] = await Promise.all([startEmulator({ now }), startEmulator({ tls: true, now })]);
  let current = now;
  return {
    plain,
    tls,
    credentials: [plain.seeds.netbird.adminToken, plain.seeds.gcore.resellerApiKey, tls.seeds.icp.password],
    now: () => current,
    at(when) {
      current = when;
      plain.clock.set(when);
      tls.clock.set(when);
    },
    drain() {
      const seen = {
        netbird: plain.requestsFor("netbird").map((entry) => `${entry.route} ${entry.status}`),
        gcore: plain.requestsFor("gcore").map((entry) => `${entry.route} ${entry.status}`),
        icp: tls.requestsFor("icp").map((entry) => `${entry.method} ${entry.route} ${entry.status}`),
        other: [...plain.requests, ...tls.requests]
          .filter((entry) => entry.vendor === "unknown")
          .map((entry) => `${entry.method} ${entry.path} ${entry.status}`),
      };
      expect(tls.requests.filter((entry) => entry.vendor !== "icp")).toEqual([]);
      expect(plain.requestsFor("icp")).toEqual([]);
      plain.clearRequests();
      tls.clearRequests();
      return seen;
    },
    async close() {
      await Promise.all([plain.close(), tls.close()]);
    },
  };
}
