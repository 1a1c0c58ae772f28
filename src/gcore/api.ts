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
import { createHttpClient, type HttpClient } from "../core/http.ts";
import { redactUrl } from "../core/redact.ts";
import { lookupSetting, requireSetting } from "../core/settings.ts";
import { InvalidResponseError } from "../errors.ts";
import { claimsSchema, tokenPairSchema, userSchema } from "./schemas.ts";
import { resolveApiUrl, settingSource } from "./settings.ts";

/** What the client needs; every field falls back to stack config and environment at call time. */
export interface ConnectionInputs {
  apiUrl?: string | undefined;
  apiKey?: string | undefined;
  caCertificate?: string | undefined;
}

/** Where the API is and how to trust it (no credential: the refresh endpoint needs none). */
interface Endpoint {
  apiUrl: string;
  caCertificate: string | undefined;
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
  endpoint: Endpoint,
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

/** The calls the provider makes. */
export interface GcoreApi {
  /**
   * Reseller endpoint, GET `/iam/auth/jwt/users/{userId}/token` (`APIKey`): a new pair for the user. Retried like
   * every GET. Throws `MissingCredentialsError` when no API key is set anywhere.
   */
  issueUserToken(userId: number): Promise<UserTokenPair>;
  /**
   * POST `/iam/auth/jwt/refresh` `{refresh}`: a new pair; the presented refresh token is blacklisted. Sent without
   * `Authorization` (the endpoint needs none, so no API key is required) and never retried.
   */
  refreshUserToken(refreshToken: string, userId: number): Promise<UserTokenPair>;
  /** GET `/iam/users/{userId}` (`APIKey`): true when the user exists, false on 404. */
  userExists(userId: number): Promise<boolean>;
}

/**
 * A client for the IAM API. The endpoint (input → stack config → environment → the public API) is resolved now;
 * the reseller's API key when a call needs it, so a missing key fails only the calls that send it.
 */
export function connect(inputs: ConnectionInputs): GcoreApi {
  const endpoint: Endpoint = {
    apiUrl: resolveApiUrl(inputs.apiUrl),
    caCertificate: lookupSetting(settingSource("caCertificate", inputs.caCertificate)),
  };
  /** A client that authenticates with the reseller's key (which must exist somewhere). */
  const reseller = () =>
    client(endpoint, apiKeyAuthorization(requireSetting(settingSource("apiKey", inputs.apiKey))), []);

  return {
    async issueUserToken(userId) {
      const path = `/iam/auth/jwt/users/${userId}/token`;
      const action = "issue user token";
      const { body } = await reseller().request({ action, method: "GET", path, schema: tokenPairSchema() });
      return toPair(body, { action, method: "GET", url: endpointUrl(endpoint.apiUrl, path) }, userId);
    },

    async refreshUserToken(refreshToken, userId) {
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
    },

    async userExists(userId) {
      const { status } = await reseller().request({
        action: "read user",
        method: "GET",
        path: `/iam/users/${userId}`,
        schema: userSchema(),
        accept: [404],
      });
      return status !== 404;
    },
  };
}
