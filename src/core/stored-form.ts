/**
 * The compact form a token is stored in, and the full form it is presented in.
 *
 * The engine rewrites every resource's inputs and outputs at each checkpoint, so a byte stored per
 * token costs time that grows with the number of tokens in the stack (bench/results.md). A token
 * therefore stores no value that can be computed from the others: an input or output that holds its
 * default (e.g. `revokePrevious: false`, `status: "active"`) is left out, and so is `rotatesAt`
 * (`expiresAt` minus the window). Secrets that belong together are stored as one secret value: the
 * engine's cost per checkpoint grows with the number of secrets in the state, more than with their
 * bytes (it encrypts them in batches, and one new secret re-encrypts its whole batch).
 * {@link presentedForm} puts everything back: the provider does so before it
 * reads stored outputs, the resource classes for the outputs a program sees, the provider plugin in its
 * answers. State written by 0.1.0, which stores every value, reads the same.
 *
 * Loads neither the Pulumi SDK nor zod: the resource classes and the plugin both use it.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import { MINUTE_MS, rotatesAt } from "./rotation.ts";
import type { Properties } from "./properties.ts";

/** How a vendor's token is stored compactly. */
export interface StoredForm {
  /**
   * The defaults of the inputs and outputs left out while they hold them, for these stored outputs
   * (a default may depend on another value, e.g. the window on the lifetime). Reads only `sources`.
   */
  defaults(stored: Properties): Properties;
  /** The rotate-before window in milliseconds, for outputs with their defaults applied. */
  rotateBeforeMs(outputs: Properties): number;
  /** The stored outputs that `defaults` and `rotateBeforeMs` read, besides `expiresAt`; none secret. */
  sources: readonly string[];
  /** Secret outputs stored together, as one object under `key` (a secret output too). */
  packedSecrets?: { key: string; outputs: readonly string[] };
}

/**
 * The stored form of a token whose only default is `rotateBeforeMinutes` (a window in whole minutes),
 * with these secret outputs packed under `secrets`.
 */
export function minutesWindowForm(defaultMinutes: number, secretOutputs: readonly string[]): StoredForm {
  return {
    defaults: () => ({ rotateBeforeMinutes: defaultMinutes }),
    rotateBeforeMs: (outputs) => Number(outputs.rotateBeforeMinutes) * MINUTE_MS,
    sources: [],
    packedSecrets: { key: "secrets", outputs: secretOutputs },
  };
}

/** The output no stored form holds: {@link presentedForm} always computes it from `expiresAt`. */
export const ROTATES_AT = "rotatesAt";

/** The inputs and outputs left out while they hold their defaults. */
export function defaultedKeys(form: StoredForm): string[] {
  return Object.keys(form.defaults({}));
}

/** The outputs {@link presentedForm} adds: the defaulted keys and `rotatesAt`. */
export function derivedKeys(form: StoredForm): string[] {
  return [...defaultedKeys(form), ROTATES_AT];
}

/** The stored outputs (compact, or 0.1.0's full form) with defaults and `rotatesAt` filled in. */
export function presentedForm(form: StoredForm, stored: Properties): Properties {
  const given = Object.fromEntries(Object.entries(stored).filter(([, value]) => value != null));
  const full: Properties = { ...form.defaults(stored), ...given };
  const packed = form.packedSecrets;
  if (packed) {
    delete full[packed.key];
    Object.assign(full, unpacked(packed.outputs, given[packed.key]));
  }
  const expiresAt = typeof full.expiresAt === "string" ? new Date(full.expiresAt) : undefined;
  if (expiresAt && !Number.isNaN(expiresAt.getTime()))
    full.rotatesAt = rotatesAt(expiresAt, form.rotateBeforeMs(full)).toISOString();
  return full;
}

/** The outputs without `rotatesAt` and without the values equal to their defaults. */
export function compactForm(form: StoredForm, full: Properties): Properties {
  const defaults = form.defaults(full);
  const packed = form.packedSecrets;
  const compact = Object.fromEntries(
    Object.entries(full).filter(
      ([key, value]) =>
        value !== undefined &&
        key !== ROTATES_AT &&
        !packed?.outputs.includes(key) &&
        !(Object.hasOwn(defaults, key) && isDeepStrictEqual(value, defaults[key])),
    ),
  );
  if (packed) {
    const secrets = { ...unpacked(packed.outputs, full[packed.key]), ...pick(packed.outputs, full) };
    delete compact[packed.key];
    if (Object.keys(secrets).length > 0) compact[packed.key] = secrets;
  }
  return compact;
}

/** The packed outputs inside `value` (an object, as stored), or none. */
export function unpacked(outputs: readonly string[], value: unknown): Properties {
  return typeof value === "object" && value !== null ? pick(outputs, value as Properties) : {};
}

function pick(keys: readonly string[], bag: Properties): Properties {
  return Object.fromEntries(keys.filter((key) => bag[key] != null).map((key) => [key, bag[key]]));
}
