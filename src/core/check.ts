/**
 * Input validation for `check`: zod issues become `{ property, reason }` failures, and values the
 * engine does not know yet (preview of an input that depends on another resource) are not judged.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { z } from "zod";

/** A `check` failure as the Pulumi engine expects it. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/** The value the engine sends for an input that is not known yet (preview). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Keys the engine adds to a dynamic resource's inputs. */
const ENGINE_KEYS = new Set(["__provider"]);

/** True when any input is still unknown (a preview before its dependency exists). */
export function hasUnknowns(inputs: Record<string, unknown>): boolean {
  return Object.values(inputs).some((value) => value === UNKNOWN_VALUE);
}

/** The inputs without engine-internal keys. */
export function userInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([key]) => !ENGINE_KEYS.has(key)));
}

/** One failure per zod issue, named by the issue's dotted path. Input values are never included. */
export function toFailures(error: z.ZodError): CheckFailure[] {
  return error.issues.map((issue) => ({
    property: issue.path.map(String).join(".") || "(inputs)",
    reason: issue.message,
  }));
}

/**
 * The failures as the engine gets them: naming no property. The engine prints the value of a
 * property a failure names (`property userId value {…} has a problem`), secrets included, and a
 * dynamic provider is never told which inputs the program made secret — any input may hold one,
 * and so may a mistyped key. The reason names the property instead (it is added when missing).
 */
export function withoutProperties(failures: readonly CheckFailure[]): CheckFailure[] {
  return failures.map(({ property, reason }) => {
    const root = property.split(".")[0] ?? "";
    const named = root === "" || root === "(inputs)" || reason.includes(`"${root}"`);
    return { property: "", reason: named ? reason : `"${property}": ${reason}` };
  });
}

/** Keys of a zod object schema's input that the schema does not know, as failures naming each key. */
export function unknownInputFailures(
  inputs: Record<string, unknown>,
  known: readonly string[],
): CheckFailure[] {
  const allowed = new Set(known);
  return Object.keys(inputs)
    .filter((key) => !allowed.has(key))
    .map((key) => ({ property: key, reason: `"${key}" is not an input of this resource` }));
}

/**
 * Why a `caCertificate` value is unusable, or undefined when every PEM block in it is an X.509
 * certificate. Never echoes the value.
 */
export function caCertificateProblem(value: string): string | undefined {
  const blocks = value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    return '"caCertificate" must be PEM text with a -----BEGIN CERTIFICATE----- block (the certificate, not a file path)';
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      return '"caCertificate" holds a PEM block that is not a valid X.509 certificate';
    }
  }
  return undefined;
}

/**
 * Why an API base URL is unusable (not http(s), credentials, query or fragment), or undefined when
 * it is fine. Never echoes the value: it may come from config and hold a secret.
 */
export function httpUrlProblem(value: string, example: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an http(s) URL such as ${example}`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `must be an http(s) URL such as ${example}`;
  if (url.username !== "" || url.password !== "") return "must not contain credentials";
  if (url.search !== "" || url.hash !== "") return "must not contain a query or a fragment";
  return undefined;
}

/**
 * A string input checked by a `problem` function that returns the whole failure sentence (naming
 * the property), or undefined when the value is fine. The same functions check values from config
 * and env (see core/settings), so an input and a setting fail alike.
 */
export function checkedString(property: string, problem: (value: string) => string | undefined) {
  return z.string({ error: `"${property}" must be a string` }).superRefine((value, ctx) => {
    const reason = problem(value);
    if (reason !== undefined) ctx.addIssue({ code: "custom", message: reason });
  });
}
