/**
 * The one clock every provider reads.
 *
 * Set `PULUMI_TOKENS_NOW` (RFC 3339) to freeze it: a testing aid that lets a scenario jump past
 * `rotatesAt` without waiting. The emulators read the same variable.
 *
 * @module
 */
import { InvalidClockError } from "../errors.ts";

/** Name of the environment variable that freezes the clock. */
export const NOW_ENV = "PULUMI_TOKENS_NOW";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses an RFC 3339 timestamp strictly; throws {@link InvalidClockError} otherwise. */
export function parseRfc3339(value: string): Date {
  const parsed = RFC3339.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(parsed.getTime())) throw new InvalidClockError(value);
  return parsed;
}

/** The current time: `PULUMI_TOKENS_NOW` when set, else the system clock. */
export function now(): Date {
  const frozen = process.env[NOW_ENV];
  return frozen ? parseRfc3339(frozen) : new Date();
}
