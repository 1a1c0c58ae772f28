import type { EmulatorClock } from "./types.ts";

/** Name of the env var that freezes the emulator clock at start (RFC 3339). */
export const NOW_ENV = "PULUMI_TOKENS_NOW";

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses a Date or an RFC 3339 string into epoch milliseconds; throws a clear Error when invalid. */
export function parseInstant(at: Date | string, what = "time"): number {
  if (at instanceof Date) {
    const ms = at.getTime();
    if (Number.isNaN(ms)) throw new Error(`Invalid ${what}: the Date is invalid`);
    return ms;
  }
  const ms = RFC3339.test(at) ? Date.parse(at) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new Error(`Invalid ${what} ${JSON.stringify(at)}: expected RFC 3339, e.g. "2030-01-01T00:00:00Z"`);
  }
  return ms;
}

/**
 * Creates the emulator clock. `initial` freezes it; undefined means real time.
 * `advance` in real-time mode adds an offset and the clock keeps ticking.
 */
export function createClock(initial: Date | string | undefined): EmulatorClock {
  let frozen: number | undefined = initial === undefined ? undefined : parseInstant(initial, "clock value");
  let offset = 0;
  return {
    now: () => new Date(frozen ?? Date.now() + offset),
    set(at) {
      frozen = parseInstant(at, "clock value");
    },
    advance(ms) {
      if (!Number.isFinite(ms)) throw new Error(`clock.advance needs a finite number of ms, got ${ms}`);
      if (frozen === undefined) offset += ms;
      else frozen += ms;
    },
    useRealTime() {
      frozen = undefined;
      offset = 0;
    },
  };
}

/** The initial clock value: `options.now`, else env PULUMI_TOKENS_NOW, else undefined (real time). */
export function initialNow(
  optionNow: Date | string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Date | string | undefined {
  if (optionNow !== undefined) return optionNow;
  const fromEnv = env[NOW_ENV];
  if (fromEnv === undefined || fromEnv === "") return undefined;
  parseInstant(fromEnv, `${NOW_ENV}`);
  return fromEnv;
}
