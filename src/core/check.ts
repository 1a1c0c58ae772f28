/**
 * Input validation for `check`: zod issues become `{ property, reason }` failures, and values the
 * engine does not know yet (preview of an input that depends on another resource) are not judged.
 *
 * @module
 */
import type { z } from "zod";

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
