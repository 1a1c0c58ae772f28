/**
 * Typed calls to the NetBird management API's personal access tokens (api-notes §2), on the shared
 * HTTP client.
 *
 * - POST `/api/users/{userId}/tokens` creates a token; the answer is the only time the plain token is
 *   returned. Never retried: a retry could issue a second token (the provider reconciles instead).
 * - GET `/api/users/{userId}/tokens[/{tokenId}]` lists or reads token metadata.
 * - DELETE `/api/users/{userId}/tokens/{tokenId}` revokes; a 404 means it is already gone.
 * - GET `/api/users/current` is "who am I" for a credential.
 *
 * snake_case stays in this file.
 *
 * @module
 */
import { createHttpClient, type HttpClient } from "../core/http.ts";
import { lookupSetting, requireSetting, settingsOf } from "../core/settings.ts";
import {
  currentUserSchema,
  DEFAULT_MANAGEMENT_URL,
  errorBodySchema,
  normalizeManagementUrl,
  patGeneratedSchema,
  patListSchema,
  patSchema,
} from "./schemas.ts";

/** Where each setting comes from when its input is not set. */
export const settingSource = settingsOf("netbird", {
  managementUrl: { configKey: "netbird:managementUrl", env: "NB_MANAGEMENT_URL" },
  apiToken: { configKey: "netbird:apiToken", env: "NB_PAT" },
  caCertificate: { configKey: "netbird:caCertificate", env: "NB_CA_CERTIFICATE" },
});

/** The management URL: input, stack config, environment, else NetBird cloud. */
export function resolveManagementUrl(input: string | undefined): string {
  return normalizeManagementUrl(
    lookupSetting(settingSource("managementUrl", input)) ?? DEFAULT_MANAGEMENT_URL,
  );
}

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
  /** POST: issues a token. Never retried. */
  createToken(userId: string, name: string, expiresInDays: number): Promise<IssuedPat>;
  /** GET one token's metadata; undefined when the API answers 404. */
  getToken(userId: string, tokenId: string): Promise<PatInfo | undefined>;
  /** GET every token of the user (an empty list when the API answers `null`). */
  listTokens(userId: string): Promise<PatInfo[]>;
  /** DELETE; "gone" when the API answers 404 (already deleted). */
  deleteToken(userId: string, tokenId: string): Promise<"deleted" | "gone">;
  /** GET `/api/users/current` authenticated with `Token <plainToken>`: the id of the token's user. */
  whoAmI(plainToken: string): Promise<string>;
}

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
  const http: HttpClient = createHttpClient({
    vendor: "netbird",
    baseUrl: resolveManagementUrl(inputs.managementUrl),
    authorization: authorizationHeader(credential),
    caCertificate: lookupSetting(settingSource("caCertificate", inputs.caCertificate)),
    describeError,
    secrets: [credential],
  });
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
      });
      return { plainToken: body.plain_token, info: toPatInfo(body.personal_access_token) };
    },

    async getToken(userId, tokenId) {
      const { status, body } = await http.request({
        action: "get personal access token",
        method: "GET",
        path: token(userId, tokenId),
        schema: patSchema(),
        accept: [404],
      });
      return status === 404 ? undefined : toPatInfo(body);
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
      const { status } = await http.request({
        action: "delete personal access token",
        method: "DELETE",
        path: token(userId, tokenId),
        accept: [404],
      });
      return status === 404 ? "gone" : "deleted";
    },

    async whoAmI(plainToken) {
      const { body } = await http.request({
        action: "authenticate with the adopted token",
        method: "GET",
        path: "/api/users/current",
        authorization: `Token ${plainToken}`,
        schema: currentUserSchema(),
      });
      return body.id;
    },
  };
}
