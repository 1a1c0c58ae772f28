/**
 * The rotation policy shared by every token resource (see design.md, "The rotation model").
 *
 * `rotatesAt = expiresAt − rotateBefore`. A plain `pulumi up` rotates once the clock has reached
 * `rotatesAt`, or when `rotationTrigger` changed; otherwise nothing is called.
 *
 * @module
 */

/** When a credential with this expiry should be replaced. */
export function rotatesAt(expiresAt: Date, rotateBeforeMs: number): Date {
  return new Date(expiresAt.getTime() - rotateBeforeMs);
}

/** True when `at` is missing, unreadable, or not later than `now`. */
export function isDue(at: string | undefined, now: Date): boolean {
  if (!at) return true;
  const time = Date.parse(at);
  return Number.isNaN(time) || time <= now.getTime();
}

/** Why an update rotates, or undefined when it does not. */
export type RotationReason = "due" | "trigger-changed";

/** Milliseconds in one minute / day, for readable windows. */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Default rotate-before window: `preferred`, but never more than a third of the lifetime. */
export function defaultWindow(preferredMs: number, lifetimeMs: number): number {
  return Math.min(preferredMs, Math.floor(lifetimeMs / 3));
}
