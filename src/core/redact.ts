/**
 * Scrubbing of secrets from any text that may reach an error message or a log line.
 *
 * @module
 */

const REDACTED = "[REDACTED]";

/** Shapes of credentials that must never be shown, whoever's they are. */
const SECRET_SHAPES: readonly RegExp[] = [
  /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, // JWT
  // Prefixed API tokens (`<prefix>_<base62>`, as many vendors issue them): 3-6 lower-case letters, then 8+
  // characters with a digit among them, so that identifiers such as `client_credentials` stay readable.
  /\b[a-z]{3,6}_(?=[A-Za-z]*[0-9])[A-Za-z0-9]{8,}/g,
  // Authorization header values: the scheme in any case (servers compare it case-insensitively),
  // then a credential-shaped value (12+ characters of the token alphabet), so that prose such as
  // "Token is invalid or expired" stays readable.
  /\b(Bearer|Token|APIKey|Basic)\s+[A-Za-z0-9._~+/=$-]{12,}/gi,
];

/**
 * Replaces every known secret and every credential-shaped substring of `text` with `[REDACTED]`.
 * Secrets shorter than 4 characters are ignored (they would blank out ordinary words).
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const shape of SECRET_SHAPES) {
    out = out.replace(shape, (_match, scheme?: string) =>
      typeof scheme === "string" ? `${scheme} ${REDACTED}` : REDACTED,
    );
  }
  return out;
}

/** Origin and path of a URL, without credentials, query or fragment. */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
