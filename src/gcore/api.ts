/**
 * Typed calls to the Gcore IAM API (api-notes §1), on the shared HTTP client.
 *
 * - GET `/iam/auth/jwt/users/{userId}/token` (reseller, `APIKey`): a new JWT pair for a user.
 * - POST `/iam/auth/jwt/refresh` (no auth): a new pair for a refresh token, which the API then
 *   blacklists. Never retried: a retry would present a token the first attempt may have used up.
 * - GET `/iam/users/{userId}` (`APIKey`): does the user still exist?
 *
 * snake_case stays in this file.
 *
 * @module
 */
import { decodeJwt, decodeProtectedHeader } from "jose";
import { now } from "../core/clock.ts";
import { caCertificateProblem } from "../core/check.ts";
import { createHttpClient, type HttpClient } from "../core/http.ts";
import { redactUrl } from "../core/redact.ts";
import { lookupSetting, requireSetting, settingsOf } from "../core/settings.ts";
import { InvalidResponseError } from "../errors.ts";
import { apiKeyProblem, apiUrlProblem, claimsSchema, tokenPairSchema, userSchema } from "./schemas.ts";

/** The public Gcore API. */
export const DEFAULT_API_URL = "https://api.gcore.com";

/** Where each setting comes from when its input is not set, and what makes a value unusable. */
export const settingSource = settingsOf("gcore", {
  apiUrl: {
    configKey: "gcore:apiUrl",
    env: "GCORE_API_URL",
    description: "Gcore API base URL (default `https://api.gcore.com`).",
    problem: apiUrlProblem,
  },
  apiKey: {
    configKey: "gcore:apiKey",
    env: "GCORE_API_KEY",
    description: "The Gcore reseller's permanent API token (`<id>_<secret>`), without the `APIKey ` prefix.",
    secret: true,
    problem: apiKeyProblem,
  },
  caCertificate: {
    configKey: "gcore:caCertificate",
    env: "GCORE_CA_CERTIFICATE",
    description: "PEM of the CA that signed a self-hosted or proxied Gcore endpoint's certificate.",
    problem: caCertificateProblem,
  },
});

/** The API URL: input, stack config, environment, else the public API. No trailing slash. */
export function resolveApiUrl(input: string | undefined): string {
  return (lookupSetting(settingSource("apiUrl", input)) ?? DEFAULT_API_URL).replace(/\/+$/, "");
}

/** Where the API is and how to trust it (no credential: the refresh endpoint needs none). */
export interface GcoreEndpoint {
  apiUrl: string;
  caCertificate: string | undefined;
}

/** Connection settings, resolved at call time (never captured in the serialized provider). */
export interface GcoreConnection extends GcoreEndpoint {
  apiKey: string;
}

/** The endpoint settings: input, then stack config, then environment (then the default URL). */
export function resolveEndpoint(inputs: {
  apiUrl?: string | undefined;
  caCertificate?: string | undefined;
}): GcoreEndpoint {
  return {
    apiUrl: resolveApiUrl(inputs.apiUrl),
    caCertificate: lookupSetting(settingSource("caCertificate", inputs.caCertificate)),
  };
}

/** Resolves the endpoint and the reseller's API key (which must exist somewhere). */
export function resolveConnection(inputs: {
  apiUrl?: string | undefined;
  apiKey?: string | undefined;
  caCertificate?: string | undefined;
}): GcoreConnection {
  return { ...resolveEndpoint(inputs), apiKey: requireSetting(settingSource("apiKey", inputs.apiKey)) };
}

/** A JWT pair with the facts the provider needs, decoded (not verified) from the tokens. */
export interface UserTokenPair {
  accessToken: string;
  refreshToken: string;
  /** RFC 3339, from the access token's `exp`. */
  accessExpiresAt: string;
  /** RFC 3339, from the refresh token's `exp`. */
  refreshExpiresAt: string;
  /** Identity claims of the access token. */
  claims: UserClaims;
}

/** The identity claims users need, read from the access token. */
export interface UserClaims {
  userId: number | undefined;
  clientId: number | undefined;
  userType: string | undefined;
  username: string | undefined;
  email: string | undefined;
  userGroups: string[] | undefined;
  clientName: string | undefined;
}

/**
 * Decodes the `exp` claim of a JWT without verifying it (the provider has no Gcore public key,
 * and it only needs the expiry it was told). Undefined when the text is not a JWT with `exp`.
 */
export function decodeExpiry(token: string): Date | undefined {
  const claims = decodeClaims(token);
  return claims === undefined ? undefined : new Date(claims.exp * 1000);
}

/** True when the JWT header says `alg: none` (no signature at all). */
function isUnsigned(token: string): boolean {
  try {
    return String(decodeProtectedHeader(token).alg).toLowerCase() === "none";
  } catch {
    return false;
  }
}

function decodeClaims(token: string) {
  try {
    const parsed = claimsSchema().safeParse(decodeJwt(token));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Turns Gcore's error bodies into one readable line (see api-notes §1, "Schemas"). */
export function describeError(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  if (body.errors !== undefined) {
    const text = flattenErrors(body.errors, "");
    if (text !== "") return text;
  }
  for (const key of ["message", "detail"] as const) {
    const value = body[key];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}

/** `{field:[msgs]}` → `field: msg`; nested objects get dotted names; `errors` / `non_field_errors` keep only the messages. */
function flattenErrors(value: unknown, path: string): string {
  if (typeof value === "string") return path === "" ? value : `${path}: ${value}`;
  if (Array.isArray(value)) {
    return value
      .map((item) => flattenErrors(item, path))
      .filter((text) => text !== "")
      .join("; ");
  }
  if (!isRecord(value)) return "";
  return Object.entries(value)
    .map(([key, inner]) => {
      const unnamed = key === "errors" || key === "non_field_errors";
      return flattenErrors(inner, unnamed ? path : path === "" ? key : `${path}.${key}`);
    })
    .filter((text) => text !== "")
    .join("; ");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function client(
  endpoint: GcoreEndpoint,
  authorization: string | undefined,
  secrets: readonly string[],
): HttpClient {
  return createHttpClient({
    vendor: "gcore",
    baseUrl: endpoint.apiUrl,
    caCertificate: endpoint.caCertificate,
    authorization,
    describeError,
    secrets,
  });
}

/** The "APIKey <key>" authorization value. */
const apiKeyAuthorization = (apiKey: string) => `APIKey ${apiKey}`;

/**
 * Validates and decodes a pair returned by `action`. The provider has no Gcore key to verify a
 * signature, so it checks what it can: both are JWTs with an `exp` still ahead, neither is unsigned
 * (`alg: none`), and the access token is for the user asked about.
 */
function toPair(
  pair: { access: string; refresh: string },
  target: { action: string; method: string; url: string },
  userId: number | undefined,
): UserTokenPair {
  const access = decodeClaims(pair.access);
  const refresh = decodeClaims(pair.refresh);
  const refuse = (problem: string) => new InvalidResponseError({ vendor: "gcore", ...target }, problem);
  if (access === undefined || refresh === undefined) {
    throw refuse(`the ${access === undefined ? "access" : "refresh"} token is not a JWT with an "exp" claim`);
  }
  for (const [which, token] of [
    ["access", pair.access],
    ["refresh", pair.refresh],
  ] as const) {
    if (isUnsigned(token)) throw refuse(`the ${which} token is unsigned (alg "none")`);
  }
  const at = now().getTime();
  if (access.exp * 1000 <= at)
    throw refuse(`the access token had already expired (exp ${new Date(access.exp * 1000).toISOString()})`);
  if (userId !== undefined && access.user_id !== undefined && access.user_id !== userId) {
    throw refuse(`the access token is for user ${access.user_id}, not user ${userId}`);
  }
  return {
    accessToken: pair.access,
    refreshToken: pair.refresh,
    accessExpiresAt: new Date(access.exp * 1000).toISOString(),
    refreshExpiresAt: new Date(refresh.exp * 1000).toISOString(),
    claims: {
      userId: access.user_id,
      clientId: access.client_id,
      userType: access.user_type,
      username: access.username,
      email: access.email,
      userGroups: access.user_groups,
      clientName: access.client_name,
    },
  };
}

const endpointUrl = (apiUrl: string, path: string) => redactUrl(`${apiUrl.replace(/\/+$/, "")}${path}`);

/** Reseller endpoint: GET /iam/auth/jwt/users/{userId}/token. Retried like every GET. */
export async function issueUserToken(connection: GcoreConnection, userId: number): Promise<UserTokenPair> {
  const path = `/iam/auth/jwt/users/${userId}/token`;
  const action = "issue user token";
  const { body } = await client(connection, apiKeyAuthorization(connection.apiKey), []).request({
    action,
    method: "GET",
    path,
    schema: tokenPairSchema(),
  });
  return toPair(body, { action, method: "GET", url: endpointUrl(connection.apiUrl, path) }, userId);
}

/**
 * POST /iam/auth/jwt/refresh `{refresh}`: a new pair; the presented refresh token is blacklisted.
 * Sent without `Authorization` (the endpoint needs none) and never retried.
 */
export async function refreshUserToken(
  endpoint: GcoreEndpoint,
  refreshToken: string,
  userId: number,
): Promise<UserTokenPair> {
  const path = "/iam/auth/jwt/refresh";
  const action = "refresh user token";
  const { body } = await client(endpoint, undefined, [refreshToken]).request({
    action,
    method: "POST",
    path,
    json: { refresh: refreshToken },
    schema: tokenPairSchema(),
  });
  return toPair(body, { action, method: "POST", url: endpointUrl(endpoint.apiUrl, path) }, userId);
}

/** GET /iam/users/{userId}: true when the user exists, false on 404. */
export async function userExists(connection: GcoreConnection, userId: number): Promise<boolean> {
  const { status } = await client(connection, apiKeyAuthorization(connection.apiKey), []).request({
    action: "read user",
    method: "GET",
    path: `/iam/users/${userId}`,
    schema: userSchema(),
    accept: [404],
  });
  return status !== 404;
}
