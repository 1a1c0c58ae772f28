/**
 * Typed calls to the NetBird management API's personal access tokens (api-notes §2), on the shared
 * HTTP client.
 *
 * - POST `/api/users/{userId}/tokens` creates a token; the answer is the only time the plain token is
 *   returned. Retried only after a 429, which the rate limiter answers before doing anything; any
 *   other failure could hide a created token (the provider reconciles instead).
 * - GET `/api/users/{userId}/tokens[/{tokenId}]` lists or reads token metadata.
 * - DELETE `/api/users/{userId}/tokens/{tokenId}` revokes; a 404 `pat: <tokenId> not found` (or
 *   `user: <userId> not found`) means it is already gone.
 * - GET `/api/users/current` is "who am I" for a credential. The real server refuses it to service
 *   users (403), so adoption first reads the token with itself (a service user may read its own).
 *
 * The real server answers a well-formed but unknown credential with **404** `invalid token: pat:
 * <hash> not found`, not 401 (api-notes §2). So a 404 means "gone" only when its message names the
 * token or user asked about; a 404 about the credential, and any 401, is
 * {@link InvalidCredentialsError}: nothing is concluded about the tracked tokens.
 *
 * snake_case stays in this file.
 *
 * @module
 */
import { createHttpClient, type HttpClient, type HttpRequest, type HttpResponse } from "../core/http.ts";
import { redactUrl } from "../core/redact.ts";
import { findSetting, lookupSetting, requireSetting } from "../core/settings.ts";
import { ApiResponseError, InvalidCredentialsError } from "../errors.ts";
import {
  currentUserSchema,
  errorBodySchema,
  patGeneratedSchema,
  patListSchema,
  patSchema,
} from "./schemas.ts";
import { resolveManagementUrl, resolveRequestsPerMinute, settingSource } from "./settings.ts";

/** A JWT (three base64url parts, JSON header) goes as `Bearer`; anything else is a PAT, sent as `Token`. */
export function authorizationHeader(credential: string): string {
  return /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(credential) ? `Bearer ${credential}` : `Token ${credential}`;
}

/** What the client needs; every field falls back to stack config and environment at call time. */
export interface ConnectionInputs {
  managementUrl?: string | undefined;
  apiToken?: string | undefined;
  caCertificate?: string | undefined;
}

/** Token metadata, as the API reports it (times normalized to RFC 3339 with milliseconds). */
export interface PatInfo {
  id: string;
  name: string;
  expiresAt: string;
  createdAt: string;
  createdBy: string;
  lastUsed?: string | undefined;
}

/** A freshly issued token. */
export interface IssuedPat {
  plainToken: string;
  info: PatInfo;
}

/** The calls the provider makes. */
export interface NetbirdApi {
  /** POST: issues a token. Retried only after 429 (the rate limiter refuses before any work). */
  createToken(userId: string, name: string, expiresInDays: number): Promise<IssuedPat>;
  /** GET one token's metadata; undefined when the API answers 404. */
  getToken(userId: string, tokenId: string): Promise<PatInfo | undefined>;
  /** GET every token of the user (an empty list when the API answers `null`). */
  listTokens(userId: string): Promise<PatInfo[]>;
  /** DELETE; "gone" when the API answers 404 (already deleted). */
  deleteToken(userId: string, tokenId: string): Promise<"deleted" | "gone">;
  /**
   * GET `/api/users/{userId}/tokens/{tokenId}` authenticated with `Token <plainToken>`: the token's
   * metadata (`last_used` already moved if `plainToken` is that token), "refused" when the API refuses
   * `plainToken`, "forbidden" (403) when its user may not read that user's tokens (a role without PAT
   * rights, or another user), "gone" when the token does not exist.
   */
  readTokenWith(
    plainToken: string,
    userId: string,
    tokenId: string,
  ): Promise<PatInfo | "refused" | "forbidden" | "gone">;
  /**
   * GET `/api/users/current` authenticated with `Token <plainToken>`: the id of the token's user,
   * "refused" when the API refuses that token, "forbidden" (403) when it authenticates but may not
   * ask (the real server's answer to a service user).
   */
  whoAmI(plainToken: string): Promise<string | "refused" | "forbidden">;
}

/**
 * How the API refused a request made with an adopted token itself: "refused" when it does not accept
 * the token (401, or the real server's 404 for an unknown credential), "forbidden" when the token
 * authenticates but may not ask (403); undefined otherwise.
 */
function adoptedTokenRefusal({
  status,
  apiMessage,
}: {
  status: number;
  apiMessage?: string | undefined;
}): "refused" | "forbidden" | undefined {
  if (status === 401 || (status === 404 && CREDENTIAL_NOT_FOUND.test(apiMessage ?? ""))) return "refused";
  return status === 403 ? "forbidden" : undefined;
}

/** A 404 whose message says the credential itself is unknown (the real server's answer to a deleted PAT). */
const CREDENTIAL_NOT_FOUND = /^invalid token\b/;

/** Pulls NetBird's `{"message": …}` out of an error body. */
export function describeError(body: unknown): string | undefined {
  const parsed = errorBodySchema().safeParse(body);
  return parsed.success ? parsed.data.message : undefined;
}

const toIso = (value: string): string => new Date(value).toISOString();

function toPatInfo(pat: {
  id: string;
  name: string;
  expiration_date: string;
  created_by: string;
  created_at: string;
  last_used?: string | null | undefined;
}): PatInfo {
  return {
    id: pat.id,
    name: pat.name,
    expiresAt: toIso(pat.expiration_date),
    createdAt: toIso(pat.created_at),
    createdBy: pat.created_by,
    ...(pat.last_used ? { lastUsed: toIso(pat.last_used) } : {}),
  };
}

/**
 * A client for the management API. Settings are resolved now (input → stack config → environment);
 * a missing credential throws `MissingCredentialsError` naming all three sources.
 */
export function connect(inputs: ConnectionInputs): NetbirdApi {
  const credential = requireSetting(settingSource("apiToken", inputs.apiToken));
  const credentialSource = findSetting(settingSource("apiToken", inputs.apiToken))?.from ?? "";
  const client: HttpClient = createHttpClient({
    vendor: "netbird",
    baseUrl: resolveManagementUrl(inputs.managementUrl),
    authorization: authorizationHeader(credential),
    caCertificate: lookupSetting(settingSource("caCertificate", inputs.caCertificate)),
    describeError,
    secrets: [credential],
    requestsPerMinute: resolveRequestsPerMinute(),
  });
  const refused = (action: string, status: number) =>
    new InvalidCredentialsError("netbird", "apiToken", credentialSource, status, action);
  // Every call made with the admin credential: a refused credential is never mistaken for "not found".
  const http = {
    async request<T>(request: HttpRequest<T>): Promise<HttpResponse<T>> {
      let response: HttpResponse<T>;
      try {
        response = await client.request({ ...request, accept: [...(request.accept ?? []), 404] });
      } catch (error) {
        if (error instanceof ApiResponseError && error.status === 401) throw refused(request.action, 401);
        throw error;
      }
      if (response.status !== 404) return response;
      if (CREDENTIAL_NOT_FOUND.test(response.apiMessage ?? "")) throw refused(request.action, 404);
      if (request.accept?.includes(404)) return response;
      throw notFound(request, response);
    },
  };
  const base = resolveManagementUrl(inputs.managementUrl);
  const notFound = (request: HttpRequest<unknown>, response: HttpResponse<unknown>) =>
    new ApiResponseError(
      {
        vendor: "netbird",
        action: request.action,
        method: request.method,
        url: redactUrl(`${base}${request.path}`),
      },
      404,
      response.apiMessage,
    );
  /** A 404 that says the token (or its user) does not exist: anything else is an error. */
  const gone = (
    request: HttpRequest<unknown>,
    response: HttpResponse<unknown>,
    userId: string,
    tokenId: string,
  ) => {
    // The server lower-cases its messages, ids included.
    const message = (response.apiMessage ?? "").toLowerCase();
    const missing = [`pat: ${tokenId} not found`, `user: ${userId} not found`].map((text) =>
      text.toLowerCase(),
    );
    if (missing.includes(message)) return true;
    throw notFound(request, response);
  };
  const tokens = (userId: string) => `/api/users/${encodeURIComponent(userId)}/tokens`;
  const token = (userId: string, tokenId: string) => `${tokens(userId)}/${encodeURIComponent(tokenId)}`;

  return {
    async createToken(userId, name, expiresInDays) {
      const { body } = await http.request({
        action: "create personal access token",
        method: "POST",
        path: tokens(userId),
        json: { name, expires_in: expiresInDays },
        schema: patGeneratedSchema(),
        retryStatuses: [429],
      });
      return { plainToken: body.plain_token, info: toPatInfo(body.personal_access_token) };
    },

    async getToken(userId, tokenId) {
      const request = {
        action: "get personal access token",
        method: "GET",
        path: token(userId, tokenId),
        schema: patSchema(),
        accept: [404],
      } as const;
      const response = await http.request(request);
      return response.status === 404 && gone(request, response, userId, tokenId)
        ? undefined
        : toPatInfo(response.body);
    },

    async listTokens(userId) {
      const { body } = await http.request({
        action: "list personal access tokens",
        method: "GET",
        path: tokens(userId),
        schema: patListSchema(),
      });
      return (body ?? []).map(toPatInfo);
    },

    async deleteToken(userId, tokenId) {
      const request = {
        action: "delete personal access token",
        method: "DELETE",
        path: token(userId, tokenId),
        accept: [404],
      } as const;
      const response = await http.request(request);
      return response.status === 404 && gone(request, response, userId, tokenId) ? "gone" : "deleted";
    },

    async readTokenWith(plainToken, userId, tokenId) {
      const request = {
        action: "read the adopted token with itself",
        method: "GET",
        path: token(userId, tokenId),
        authorization: `Token ${plainToken}`,
        schema: patSchema(),
        accept: [401, 403, 404],
      } as const;
      const response = await client.request(request);
      const { status, body } = response;
      const refusal = adoptedTokenRefusal(response);
      if (refusal) return refusal;
      if (status === 404) {
        gone(request, response, userId, tokenId); // throws unless the 404 names the token or its user
        return "gone";
      }
      return toPatInfo(body);
    },

    async whoAmI(plainToken) {
      const request = {
        action: "authenticate with the adopted token",
        method: "GET",
        path: "/api/users/current",
        authorization: `Token ${plainToken}`,
        schema: currentUserSchema(),
        accept: [401, 403, 404],
      } as const;
      const response = await client.request(request);
      const refusal = adoptedTokenRefusal(response);
      if (refusal) return refusal;
      if (response.status === 404) throw notFound(request, response);
      return response.body.id;
    },
  };
}
