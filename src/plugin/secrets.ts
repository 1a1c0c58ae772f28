/**
 * Secrets on the wire. A provider that answers `acceptSecrets` gets every secret value wrapped as
 * `{ [SIG_KEY]: SECRET_SIG, value }` and may answer with values wrapped the same way, which the
 * engine stores encrypted. The core works on plain values, so the plugin unwraps what comes in,
 * remembers which top-level properties held a secret (anywhere inside them), and wraps those again,
 * together with the properties that are always secret, on the way out.
 *
 * @module
 */
import type { Properties } from "../core/properties.ts";

/** The key Pulumi marks special values with. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature of a secret. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isObject(value: unknown): value is Properties {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when `value` is a wrapped secret. */
export function isSecret(value: unknown): value is { value: unknown } {
  return isObject(value) && value[SIG_KEY] === SECRET_SIG;
}

/** `value` wrapped as a secret (not twice). */
export function secret(value: unknown): Properties {
  return isSecret(value) ? value : { [SIG_KEY]: SECRET_SIG, value };
}

/** The value with every secret inside it unwrapped, and whether there was one. */
function reveal(value: unknown): { value: unknown; secret: boolean } {
  if (isSecret(value)) return { value: reveal(value.value).value, secret: true };
  if (Array.isArray(value)) {
    const items = value.map(reveal);
    return { value: items.map((item) => item.value), secret: items.some((item) => item.secret) };
  }
  if (isObject(value)) {
    const entries = Object.entries(value).map(([key, item]) => [key, reveal(item)] as const);
    return {
      value: Object.fromEntries(entries.map(([key, item]) => [key, item.value])),
      secret: entries.some(([, item]) => item.secret),
    };
  }
  return { value, secret: false };
}

/** The properties with all secrets unwrapped, and the names of those that held one. */
export function unwrapSecrets(bag: Properties): { values: Properties; secrets: Set<string> } {
  const secrets = new Set<string>();
  const values: Properties = {};
  for (const [key, raw] of Object.entries(bag)) {
    const { value, secret: held } = reveal(raw);
    values[key] = value;
    if (held) secrets.add(key);
  }
  return { values, secrets };
}

/** The properties with each of `secrets` that is present (and not null) wrapped as a secret. */
export function wrapSecrets(bag: Properties, secrets: Iterable<string>): Properties {
  const wrapped: Properties = { ...bag };
  for (const key of secrets) {
    if (wrapped[key] !== undefined && wrapped[key] !== null) wrapped[key] = secret(wrapped[key]);
  }
  return wrapped;
}
