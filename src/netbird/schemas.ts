/**
 * Zod schemas of the NetBird personal access token: the resource inputs and the API bodies, plus the
 * local checks of a plain `nbp_` token (format and CRC32 checksum, api-notes §2).
 *
 * Every schema is built inside a function: a module-level zod value would be captured by closure
 * serialization and break it. Failure messages name the property in double quotes and never echo a value.
 *
 * @module
 */
import { crc32 } from "node:zlib";
import { once } from "../core/once.ts";
import { z } from "zod";
import { caCertificateProblem, checkedString, httpUrlProblem } from "../core/check.ts";
import { defaultRotateBeforeDays } from "./definition.ts";

/** The default management API (NetBird cloud). */
export const DEFAULT_MANAGEMENT_URL = "https://api.netbird.io";

/** The validated inputs of `netbird.PersonalAccessToken` (after `check`: defaults applied). */
export type PersonalAccessTokenInputs = {
  userId: string;
  name: string;
  expiresInDays: number;
  /** Resolved by the schema (the default when not given); stored only when it differs from the default. */
  rotateBeforeDays?: number | undefined;
  revokePrevious: boolean;
  rotationTrigger?: string | undefined;
  managementUrl?: string | undefined;
  apiToken?: string | undefined;
  caCertificate?: string | undefined;
  adoptTokenId?: string | undefined;
  adoptToken?: string | undefined;
};

const PAT_PREFIX = "nbp_";
const PAT_SECRET_LENGTH = 30;
const PAT_CHECKSUM_LENGTH = 6;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * True when `token` has the shape NetBird issues: `nbp_`, 30 base62 characters, then the 6-character
 * base62 CRC32 (IEEE) of those 30 characters, left-padded with "0". No API call.
 */
export function isWellFormedPlainToken(token: string): boolean {
  if (token.length !== PAT_PREFIX.length + PAT_SECRET_LENGTH + PAT_CHECKSUM_LENGTH) return false;
  if (!token.startsWith(PAT_PREFIX)) return false;
  const secret = token.slice(PAT_PREFIX.length, PAT_PREFIX.length + PAT_SECRET_LENGTH);
  if (!/^[0-9A-Za-z]+$/.test(secret)) return false;
  let checksum = 0;
  for (const char of token.slice(PAT_PREFIX.length + PAT_SECRET_LENGTH)) {
    const digit = BASE62.indexOf(char);
    if (digit < 0) return false;
    checksum = checksum * 62 + digit;
  }
  return checksum === crc32(secret) >>> 0;
}

/** Why a management URL is unusable, or undefined when it is fine. Never echoes the value. */
export function managementUrlProblem(value: string): string | undefined {
  const problem = httpUrlProblem(value, DEFAULT_MANAGEMENT_URL);
  if (problem) return problem;
  if (/\/api\/?$/.test(new URL(value).pathname))
    return 'must be the server\'s base URL, without the "/api" path';
  return undefined;
}

/** The URL without trailing slashes, so that "https://x/" and "https://x" are the same server. */
export function normalizeManagementUrl(value: string): string {
  return value.replace(/\/+$/, "");
}

/** Why an API credential is unusable (empty, or with an auth scheme prefix), or undefined. Never echoes it. */
export function apiTokenProblem(value: string): string | undefined {
  if (value === "") return '"apiToken" must not be empty';
  if (/\s/.test(value)) return '"apiToken" must be the token itself, without a "Token " or "Bearer " prefix';
  return undefined;
}

/** Why a `requestsPerMinute` setting is unusable: it must be a number of requests above 0. */
export function requestsPerMinuteProblem(value: string): string | undefined {
  const rpm = Number(value);
  if (value.trim() === "" || !Number.isFinite(rpm) || rpm <= 0 || rpm > 1_000_000)
    return '"requestsPerMinute" must be a number of requests per minute above 0, such as 120';
  return undefined;
}

/** "is required" when the value is missing, else `wrongType`. */
const typeError =
  (property: string, wrongType: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `"${property}" is required` : `"${property}" ${wrongType}`;

/** A string input with no whitespace, no "/" and not a dot segment (it becomes a URL path segment). */
function pathSegment(property: string, what: string) {
  return (
    z
      .string({ error: typeError(property, "must be a string") })
      .min(1, { error: `"${property}" must not be empty`, abort: true })
      .regex(/^[^\s/]+$/, { error: `"${property}" must be ${what} without "/" or whitespace`, abort: true })
      // "." and ".." would be normalised away in the URL path and send the request elsewhere.
      .refine((value) => value !== "." && value !== "..", { error: `"${property}" must not be "." or ".."` })
  );
}

/** The input schema of `netbird.PersonalAccessToken`. */
export function inputSchema() {
  const lifetime = '"expiresInDays" must be an integer between 1 and 365';
  const window = '"rotateBeforeDays" must be a number of days, 0 or more';
  return z
    .object({
      userId: pathSegment("userId", "a NetBird user id").meta({
        description:
          'The NetBird user that owns the token, usually a service user (e.g. "svc-ci"). Changing it ' +
          "replaces the token.",
      }),
      name: z
        .string({ error: typeError("name", "must be a string") })
        .refine((value) => value.trim() !== "", { error: '"name" must not be empty' })
        .meta({ description: "The token's name, not empty. Changing it replaces the token." }),
      expiresInDays: z
        .number({ error: (issue) => (issue.input === undefined ? '"expiresInDays" is required' : lifetime) })
        .int({ error: lifetime, abort: true })
        .min(1, { error: lifetime })
        .max(365, { error: lifetime })
        .meta({
          description:
            "Lifetime of each issued token in days, an integer from 1 to 365. Changing it is an in-place " +
            "update with no API call: the new lifetime applies from the next rotation, so the overlap is " +
            "kept.",
        }),
      rotateBeforeDays: z
        .number({ error: window })
        .min(0, { error: window })
        .optional()
        .meta({
          description:
            "Rotate this many days before the current token expires (0 or more, less than " +
            "`expiresInDays`, fractions allowed). Default: 7, or a third of `expiresInDays` when that is " +
            "shorter.",
        }),
      revokePrevious: z
        .boolean({ error: '"revokePrevious" must be a boolean' })
        .default(false)
        .meta({
          description:
            "`true`: revoke the old token as soon as its successor exists. Default `false`: keep it as " +
            "`previous…` (still valid) until the next rotation, so consumers have a whole rotation " +
            "period to switch. A change takes effect at the next rotation.",
        }),
      rotationTrigger: z.string({ error: '"rotationTrigger" must be a string' }).optional().meta({
        description: "Any change of this free-form value forces a rotation at the next `pulumi up`.",
      }),
      managementUrl: z
        .string({ error: '"managementUrl" must be a string' })
        .superRefine((value, ctx) => {
          const problem = managementUrlProblem(value);
          if (problem) ctx.addIssue({ code: "custom", message: `"managementUrl" ${problem}` });
        })
        .optional()
        .meta({
          description:
            "Base URL of the management API, without `/api`. Default: stack config " +
            "`netbird:managementUrl`, else env `NB_MANAGEMENT_URL`, else `https://api.netbird.io`. The " +
            "resolved value is stored; changing it replaces the token.",
        }),
      apiToken: checkedString("apiToken", apiTokenProblem)
        .optional()
        .meta({
          description:
            "The credential that manages tokens: an admin's (or the owner's) PAT, sent as " +
            "`Authorization: Token …`, or an IdP JWT, sent as `Bearer …`. Default: stack config " +
            "`netbird:apiToken` (set it with `--secret`), else env `NB_PAT`. Stored as a secret when " +
            "given here.",
        }),
      caCertificate: checkedString("caCertificate", caCertificateProblem)
        .optional()
        .meta({
          description:
            "PEM of the CA that signed a self-hosted management server's certificate. Default: stack " +
            "config `netbird:caCertificate`, else env `NB_CA_CERTIFICATE`, else the system CAs.",
        }),
      adoptTokenId: pathSegment("adoptTokenId", "a NetBird token id")
        .optional()
        .meta({
          description:
            "Adopt this existing token (its id) instead of issuing a new one; needs `adoptToken`. Only " +
            "`create` uses it and it is not stored: remove both after the first `pulumi up`.",
        }),
      adoptToken: z
        .string({ error: '"adoptToken" must be a string' })
        .refine(isWellFormedPlainToken, {
          error:
            '"adoptToken" must be a NetBird personal access token ("nbp_…", 40 characters, valid checksum)',
        })
        .optional()
        .meta({
          description:
            "The plain `nbp_…` token of `adoptTokenId`. It is checked locally (format, checksum), must " +
            "authenticate as `userId`, and must be the token behind `adoptTokenId`. Secret; not stored.",
        }),
    })
    .superRefine((inputs, ctx) => {
      if (inputs.rotateBeforeDays !== undefined && inputs.rotateBeforeDays >= inputs.expiresInDays) {
        ctx.addIssue({
          code: "custom",
          path: ["rotateBeforeDays"],
          message: `"rotateBeforeDays" must be less than "expiresInDays" (${inputs.expiresInDays})`,
        });
      }
      if (inputs.adoptTokenId !== undefined && inputs.adoptToken === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["adoptToken"],
          message: '"adoptToken" is required when "adoptTokenId" is set',
        });
      }
      if (inputs.adoptToken !== undefined && inputs.adoptTokenId === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["adoptTokenId"],
          message: '"adoptTokenId" is required when "adoptToken" is set',
        });
      }
    })
    .overwrite((inputs): PersonalAccessTokenInputs => ({
      ...inputs,
      rotateBeforeDays: inputs.rotateBeforeDays ?? defaultRotateBeforeDays(inputs.expiresInDays),
      ...(inputs.managementUrl === undefined
        ? {}
        : { managementUrl: normalizeManagementUrl(inputs.managementUrl) }),
    }));
}

/** `PersonalAccessToken` as the API returns it (get, list, and inside create). */
export const patSchema = once(() =>
  z.object({
    id: z.string().min(1),
    name: z.string(),
    expiration_date: z.iso.datetime({ offset: true }),
    created_by: z.string(),
    created_at: z.iso.datetime({ offset: true }),
    last_used: z.iso.datetime({ offset: true }).nullish(),
  }),
);

/** The body of a successful create: the only time the plain token is ever returned. */
export const patGeneratedSchema = once(() =>
  z.object({ plain_token: z.string().min(1), personal_access_token: patSchema() }),
);

/** The list body: `null` when the user has no tokens (a Go nil slice). */
export const patListSchema = once(() => z.array(patSchema()).nullable());

/** `GET /api/users/current`: only the id matters here. */
export const currentUserSchema = once(() => z.object({ id: z.string().min(1) }));

/** NetBird's error body: `{"message": "...", "code": <status>}`. */
export const errorBodySchema = once(() => z.object({ message: z.string() }));

/**
 * The stored outputs `update`, `read` and `delete` rely on. Loose (keys of other versions are kept),
 * with defaults for fields that older versions did not store.
 */
export function storedSchema() {
  const text = () => z.string({ error: "is missing or not a string" });
  const id = () => text().min(1, { error: "is empty" });
  const time = () => z.iso.datetime({ offset: true, error: "is not an RFC 3339 time" });
  return z.looseObject({
    userId: id(),
    name: text(),
    expiresInDays: z.number({ error: "is missing or not a number" }),
    rotateBeforeDays: z.number({ error: "is not a number" }).optional(),
    revokePrevious: z.boolean({ error: "is not a boolean" }).default(false),
    rotationTrigger: text().optional(),
    managementUrl: text().optional(),
    apiToken: text().optional(),
    caCertificate: text().optional(),
    tokenId: id(),
    token: text(),
    expiresAt: time(),
    rotatesAt: text().default(""),
    createdAt: text().default(""),
    createdBy: text().default(""),
    lastUsed: text().optional(),
    status: z.enum(["active", "missing"], { error: 'is not "active" or "missing"' }).default("active"),
    previousTokenId: id().optional(),
    previousToken: text().optional(),
    previousExpiresAt: time().optional(),
    pendingRevocations: z
      .array(z.object({ tokenId: id(), expiresAt: time() }), { error: "is not a list" })
      .optional(),
  });
}
