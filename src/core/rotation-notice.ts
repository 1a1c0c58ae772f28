/**
 * Every rotation explains itself: one engine-log line per token when `diff` decides to rotate.
 *
 * A dynamic provider cannot return a detailed diff, so `pulumi preview` would show a due rotation as
 * a bare `~ update`. Instead, `diff` writes one line to stderr (which the engine shows) saying why:
 *
 * ```
 * pulumi-tokens: <vendor>: <id>: rotating: rotatesAt <ISO> has passed (the current credential expires at <ISO>)
 * pulumi-tokens: <vendor>: <id>: rotating: rotationTrigger changed
 * pulumi-tokens: <vendor>: <id>: WARNING: the current credential expired at <ISO> before a run rotated it (scheduled runs were missed), so its consumers have been failing since then; rotating now
 * ```
 *
 * `WARNING:` comes after the `pulumi-tokens: <vendor>: <id>: ` prefix, like every other line of this
 * package, so that one `grep pulumi-tokens:` finds them all. An expired credential always gives the
 * warning, whatever else changed. When nothing is due, nothing is written.
 *
 * Core knows no kind: besides `expiresAt`, the line takes the kind's own words when it has any
 * ({@link RotationWording}, from the kind's `rotationWording`): a cause that replaces the generic reason
 * (e.g. the credential was found deleted) and a note appended to it (e.g. what the update does instead).
 *
 * @module
 */
import type { Vendor } from "../errors.ts";
import { notice } from "./log.ts";
import type { Properties } from "./properties.ts";
import { type RotationReason, rotatesAt } from "./rotation.ts";

/** A kind's own words for a rotation (its spec's `rotationWording`, src/core/token-provider.ts). */
export interface RotationWording {
  /** Replaces the generic reason, e.g. `the current credential is gone (…)`. */
  cause?: string | undefined;
  /** Appended after `; `, e.g. what the update will do instead of a plain renewal. */
  note?: string | undefined;
}

/** What `diff` knows when it decides. */
export interface RotationFacts {
  vendor: Vendor;
  /** The resource id (the `id` argument of `diff`). */
  id: string;
  /** The stored outputs. */
  olds: Properties;
  /** Why the update will rotate; undefined when it will not. */
  reason: RotationReason | undefined;
  /** The rotate-before window of the new inputs, in milliseconds. */
  rotateBeforeMs: number;
  now: Date;
  /** The kind's own words, if it has any for these stored outputs. */
  wording?: RotationWording | undefined;
}

const dateOf = (value: unknown): Date | undefined => {
  const date = typeof value === "string" ? new Date(value) : undefined;
  return date !== undefined && !Number.isNaN(date.getTime()) ? date : undefined;
};

/** The explanation after `pulumi-tokens: <vendor>: `, or undefined when nothing rotates. */
export function rotationExplanation(facts: RotationFacts): string | undefined {
  const { id, olds, reason, now } = facts;
  if (reason === undefined) return undefined;
  const expiresAt = dateOf(olds.expiresAt);
  const note = facts.wording?.note === undefined ? "" : `; ${facts.wording.note}`;
  let why: string;
  if (facts.wording?.cause !== undefined) {
    why = `rotating: ${facts.wording.cause}`;
  } else if (expiresAt !== undefined && expiresAt.getTime() <= now.getTime()) {
    why =
      `WARNING: the current credential expired at ${expiresAt.toISOString()} before a run rotated it ` +
      "(scheduled runs were missed), so its consumers have been failing since then; rotating now";
  } else if (reason === "trigger-changed") {
    why = "rotating: rotationTrigger changed";
  } else if (expiresAt === undefined) {
    why = "rotating: the stored expiresAt is missing or unreadable";
  } else {
    const at = rotatesAt(expiresAt, facts.rotateBeforeMs).toISOString();
    why = `rotating: rotatesAt ${at} has passed (the current credential expires at ${expiresAt.toISOString()})`;
  }
  return `${id}: ${why}${note}`;
}

// Lines already written by this provider process. `pulumi up --refresh` calls `diff` twice per resource in one
// process (the refresh step diffs the refreshed state too), and the engine would show the line twice.
const written = new Set<string>();

/**
 * Writes the explanation line, if any, to the engine log, at most once per provider process (one process per
 * engine operation). Called by `diff`.
 */
export function explainRotation(facts: RotationFacts): void {
  const line = rotationExplanation(facts);
  if (line === undefined) return;
  const key = `${facts.vendor}: ${line}`;
  if (written.has(key)) return;
  written.add(key);
  notice(facts.vendor, line);
}

/** Forgets the lines written so far, as a new provider process would (tests). */
export function forgetWrittenRotations(): void {
  written.clear();
}
