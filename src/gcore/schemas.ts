/**
 * Zod schemas of the Gcore user token: the resource inputs and the API bodies.
 *
 * Every schema is built inside a function: a module-level zod value would be captured by closure
 * serialization and break it.
 *
 * @module
 */
import { once } from "../core/once.ts";
import { z } from "zod";
import { DEFAULT_ROTATE_BEFORE_MINUTES } from "./definition.ts";
import { caCertificateProblem, checkedString, httpUrlProblem } from "../core/check.ts";

/** Access tokens live 60 minutes, so the rotate-before window must be shorter. */
export const MAX_ROTATE_BEFORE_MINUTES = 59;

/** The validated inputs of `gcore.UserToken`. */
export type UserTokenInputs = {
  userId: number;
  rotateBeforeMinutes: number;
  rotationTrigger?: string | undefined;
  apiUrl?: string | undefined;
  apiKey?: string | undefined;
  caCertificate?: string | undefined;
};

/** Why an API URL is unusable, or undefined when it is fine. Never echoes the value. */
export function apiUrlProblem(value: string): string | undefined {
  const problem = httpUrlProblem(value, "https://api.gcore.com");
  return problem && `"apiUrl" ${problem}`;
}

/** Why an API key is unusable, or undefined when it is fine. Never echoes the value. */
export function apiKeyProblem(value: string): string | undefined {
  if (value.trim() === "") return '"apiKey" must not be empty';
  if (/^apikey\s/i.test(value)) return '"apiKey" must be the key itself, without the "APIKey " prefix';
  if (/\s/.test(value)) return '"apiKey" must not contain whitespace';
  return undefined;
}

/** The input schema of `gcore.UserToken`. */
export function inputSchema() {
  return z.object({
    userId: z
      .number({ error: '"userId" must be a positive integer (the numeric Gcore user id)' })
      .int({ error: '"userId" must be a positive integer (the numeric Gcore user id)' })
      .positive({ error: '"userId" must be a positive integer (the numeric Gcore user id)' })
      .meta({
        description:
          "The numeric Gcore user id whose token pair is issued. A positive integer. Changing it " +
          "replaces the resource.",
      }),
    rotateBeforeMinutes: z
      .number({
        error: `"rotateBeforeMinutes" must be an integer between 1 and ${MAX_ROTATE_BEFORE_MINUTES} (access tokens live 60 minutes)`,
      })
      .int({
        error: `"rotateBeforeMinutes" must be an integer between 1 and ${MAX_ROTATE_BEFORE_MINUTES} (access tokens live 60 minutes)`,
      })
      .min(1, {
        error: `"rotateBeforeMinutes" must be an integer between 1 and ${MAX_ROTATE_BEFORE_MINUTES} (access tokens live 60 minutes)`,
      })
      .max(MAX_ROTATE_BEFORE_MINUTES, {
        error: `"rotateBeforeMinutes" must be an integer between 1 and ${MAX_ROTATE_BEFORE_MINUTES} (access tokens live 60 minutes)`,
      })
      .default(DEFAULT_ROTATE_BEFORE_MINUTES)
      .meta({
        description:
          "Minutes before the access token's expiry at which a plain `pulumi up` renews the pair. " +
          "Default 10; an integer from 1 to 59 (access tokens live 60 minutes).",
      }),
    rotationTrigger: z.string({ error: '"rotationTrigger" must be a string' }).optional().meta({
      description: "Any value; changing it renews the pair on the next `pulumi up` (like `keepers`).",
    }),
    apiUrl: checkedString("apiUrl", apiUrlProblem)
      .optional()
      .meta({
        description:
          "Base URL of the Gcore API. Default: the stack config `gcore:apiUrl`, else the environment " +
          "variable `GCORE_API_URL`, else `https://api.gcore.com`. The resolved value is stored; " +
          "changing it replaces the resource.",
      }),
    apiKey: checkedString("apiKey", apiKeyProblem)
      .optional()
      .meta({
        description:
          "The reseller's permanent API token (`<id>_<secret>`), sent as `Authorization: APIKey <key>`. " +
          "Default: the stack config `gcore:apiKey` (set it with `--secret`), else the environment " +
          "variable `GCORE_API_KEY`. Stored as a secret when given here.",
      }),
    caCertificate: checkedString("caCertificate", caCertificateProblem)
      .optional()
      .meta({
        description:
          "PEM of the CA that signed a self-hosted or proxied endpoint's certificate. Default: the stack " +
          "config `gcore:caCertificate`, else the environment variable `GCORE_CA_CERTIFICATE`, else the " +
          "system CAs.",
      }),
  });
}

/**
 * The stored outputs `update`, `read` and `delete` rely on. Loose (keys of other versions are kept);
 * `apiUrl` is absent in state written before it was stored.
 */
export function storedSchema() {
  const text = () => z.string({ error: "is missing or not a string" });
  return z.looseObject({
    userId: z.number({ error: "is missing or not a number" }).int({ error: "is not an integer" }),
    rotateBeforeMinutes: z.number({ error: "is not a number" }).default(DEFAULT_ROTATE_BEFORE_MINUTES),
    rotationTrigger: text().optional(),
    apiUrl: text().optional(),
    apiKey: text().optional(),
    caCertificate: text().optional(),
    accessToken: text().min(1, { error: "is empty" }),
    refreshToken: text().min(1, { error: "is empty" }),
    accessExpiresAt: text(),
    refreshExpiresAt: text(),
    expiresAt: text(),
    rotatesAt: text().default(""),
  });
}

/** `Token`: the pair returned by the reseller user-token and refresh endpoints. */
export const tokenPairSchema = once(() =>
  z.object({ access: z.string().min(1), refresh: z.string().min(1) }),
);

/** The part of `UserPublic` (GET /iam/users/{userId}) the provider reads. */
export const userSchema = once(() => z.looseObject({ id: z.number() }));

/**
 * The JWT claims the provider reads (decoded, not verified). Only `exp` is required; the identity
 * claims may be missing or null (Gcore's tokens carry nulls, e.g. `sso_entity`) and read as absent.
 */
export const claimsSchema = once(() => {
  const absentable = <T extends z.ZodType>(schema: T) =>
    schema.nullish().transform((value) => value ?? undefined);
  return z.looseObject({
    exp: z.number(),
    user_id: absentable(z.number()),
    client_id: absentable(z.number()),
    user_type: absentable(z.string()),
    username: absentable(z.string()),
    email: absentable(z.string()),
    user_groups: absentable(z.array(z.string())),
    client_name: absentable(z.string()),
  });
});
