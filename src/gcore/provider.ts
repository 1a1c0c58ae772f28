/**
 * The policy of `gcore.UserToken`: a user's JWT pair issued by a reseller, renewed through the
 * refresh endpoint, re-issued when the refresh token cannot be used.
 *
 * - issue: GET the reseller user-token endpoint.
 * - rotate: refresh with the stored refresh token (which the API then blacklists). When the refresh
 *   token has expired, is rejected (401), or the refresh answer is lost (network error, timeout,
 *   5xx, unreadable body — the token may be used up), re-issue through the reseller endpoint and
 *   say why in one notice line. A successful refresh always reaches state.
 * - inspect: both tokens expired → gone; the user no longer exists → gone; otherwise keep state.
 * - revoke: Gcore has no endpoint that revokes a JWT, so delete only forgets the pair.
 *
 * @module
 */
import type { CheckFailure } from "../core/check.ts";
import { now } from "../core/clock.ts";
import { notice } from "../core/log.ts";
import { describeSources, lookupSetting } from "../core/settings.ts";
import { createTokenProvider, type StoredToken } from "../core/token-provider.ts";
import { ApiNetworkError, ApiResponseError, ApiTimeoutError, InvalidResponseError } from "../errors.ts";
import { connect, decodeExpiry, type GcoreApi, type UserTokenPair } from "./api.ts";
import { USER_TOKEN } from "./definition.ts";
import { inputSchema, storedSchema, type UserTokenInputs } from "./schemas.ts";
import { resolveApiUrl, settingSource } from "./settings.ts";

export type { UserTokenInputs } from "./schemas.ts";

/** What the provider stores besides the inputs (and `rotatesAt`). */
export type UserTokenState = {
  /** The access JWT (secret). */
  accessToken: string;
  /** The refresh JWT (secret). */
  refreshToken: string;
  /** RFC 3339, the access token's `exp`. */
  accessExpiresAt: string;
  /** RFC 3339, the refresh token's `exp`. */
  refreshExpiresAt: string;
  /** = `accessExpiresAt`: the clock the rotation model runs on. */
  expiresAt: string;
  /** Identity claims of the access token (decoded, not verified); absent when the JWT lacks them. */
  clientId?: number;
  userType?: string;
  username?: string;
  email?: string;
  userGroups?: string[];
  clientName?: string;
};

type Stored = StoredToken<UserTokenInputs, UserTokenState>;

const who = (userId: number) => `user ${userId}`;

/** The state for a freshly issued or refreshed pair; claims the JWT lacks are left out. */
function stateOf(pair: UserTokenPair): UserTokenState {
  const { claims } = pair;
  return {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    accessExpiresAt: pair.accessExpiresAt,
    refreshExpiresAt: pair.refreshExpiresAt,
    expiresAt: pair.accessExpiresAt,
    ...(claims.clientId !== undefined ? { clientId: claims.clientId } : {}),
    ...(claims.userType !== undefined ? { userType: claims.userType } : {}),
    ...(claims.username !== undefined ? { username: claims.username } : {}),
    ...(claims.email !== undefined ? { email: claims.email } : {}),
    ...(claims.userGroups !== undefined ? { userGroups: claims.userGroups } : {}),
    ...(claims.clientName !== undefined ? { clientName: claims.clientName } : {}),
  };
}

/** The vendor state part of stored outputs (inputs and `rotatesAt` left out). */
function storedState(stored: Stored): UserTokenState {
  const {
    userId: _userId,
    rotateBeforeMinutes: _window,
    rotationTrigger: _trigger,
    apiUrl: _apiUrl,
    apiKey: _apiKey,
    caCertificate: _caCertificate,
    rotatesAt: _rotatesAt,
    ...state
  } = stored as Stored & { __provider?: unknown };
  const { __provider: _provider, ...rest } = state as UserTokenState & { __provider?: unknown };
  return rest;
}

/** The expiry of a stored token: its `exp` claim, else the stored timestamp; undefined if neither is readable. */
function expiryOf(token: unknown, storedAt: unknown): Date | undefined {
  const decoded = typeof token === "string" ? decodeExpiry(token) : undefined;
  if (decoded !== undefined) return decoded;
  const parsed = typeof storedAt === "string" ? new Date(storedAt) : undefined;
  return parsed !== undefined && !Number.isNaN(parsed.getTime()) ? parsed : undefined;
}

/**
 * Why a failed refresh should fall back to the reseller endpoint, or undefined to rethrow. Any
 * answer from the API counts (401 = blacklisted, expired or invalid; other statuses leave the
 * token in doubt); so do lost answers, because the API may have used the token up.
 */
function fallbackReason(error: unknown): string | undefined {
  if (error instanceof ApiResponseError && error.status === 401) {
    return "the refresh JWT was rejected with HTTP 401 (blacklisted, expired or invalid)";
  }
  if (error instanceof ApiResponseError) {
    const detail = error.apiMessage ? ` (${error.apiMessage})` : "";
    return `the refresh failed with HTTP ${error.status}${detail} and may have used up the refresh JWT`;
  }
  if (error instanceof ApiNetworkError) {
    const code = error.networkCode ?? "unknown";
    return `the refresh response was lost (network error ${code}) and the API may have used up the refresh JWT`;
  }
  if (error instanceof ApiTimeoutError)
    return "the refresh timed out and the API may have used up the refresh JWT";
  if (error instanceof InvalidResponseError) {
    return "the refresh answered with an unreadable body and may have used up the refresh JWT";
  }
  return undefined;
}

/** Settings from stack config or the environment that are unusable, and a missing API key. */
function environmentFailures(inputs: UserTokenInputs): CheckFailure[] {
  const failures = settingSource.failures(inputs);
  if (lookupSetting(settingSource("apiKey", inputs.apiKey)) === undefined) {
    failures.push({
      property: "",
      reason: `"apiKey" is required (a reseller's permanent API token): set ${describeSources(settingSource("apiKey", undefined))}`,
    });
  }
  return failures;
}

/** Re-issues through the reseller endpoint after writing one notice line that says why. */
async function reissue(api: GcoreApi, userId: number, why: string): Promise<UserTokenState> {
  notice("gcore", `${who(userId)}: ${why}; issuing a new pair through the reseller endpoint`);
  return stateOf(await api.issueUserToken(userId));
}

/** The gcore token provider (loaded by the shim in the provider process). */
export const gcoreProvider = createTokenProvider<UserTokenInputs, UserTokenState>({
  vendor: "gcore",
  inputSchema,
  storedSchema,
  // Stored like NetBird's endpoint, so refresh and destroy reach the API that issued the pair.
  resolveInputs: (inputs) => ({ ...inputs, apiUrl: resolveApiUrl(inputs.apiUrl) }),
  resolvedInputs: ["apiUrl"],
  checkEnvironment: environmentFailures,
  id: (inputs) => `users/${inputs.userId}`,
  replaceOn: ["userId", "apiUrl"],
  storedForm: USER_TOKEN.storedForm,
  rotationWording(stored, at) {
    const refreshExpiresAt =
      typeof stored.refreshExpiresAt === "string" ? Date.parse(stored.refreshExpiresAt) : NaN;
    if (!(refreshExpiresAt <= at.getTime())) return undefined;
    return {
      note: `the refresh JWT expired at ${new Date(refreshExpiresAt).toISOString()}, so the update issues a new pair through the reseller endpoint`,
    };
  },

  async issue(inputs) {
    return stateOf(await connect(inputs).issueUserToken(inputs.userId));
  },

  async rotate(inputs, stored) {
    const at = now();
    const api = connect(inputs);
    const refreshExpiry = expiryOf(stored.refreshToken, stored.refreshExpiresAt);
    if (typeof stored.refreshToken !== "string" || refreshExpiry === undefined) {
      return reissue(api, inputs.userId, "the state holds no usable refresh JWT");
    }
    if (refreshExpiry.getTime() <= at.getTime()) {
      // `diff` already said why (core/rotation-notice.ts): no second line for the same reason.
      return stateOf(await api.issueUserToken(inputs.userId));
    }
    let pair: UserTokenPair;
    try {
      pair = await api.refreshUserToken(stored.refreshToken, inputs.userId);
    } catch (error) {
      const why = fallbackReason(error);
      if (why === undefined) throw error;
      return reissue(api, inputs.userId, why);
    }
    // From here on nothing may throw: the old refresh token is blacklisted, the new pair is the only one.
    return stateOf(pair);
  },

  async inspect(stored) {
    const at = now().getTime();
    const accessExpiry = expiryOf(stored.accessToken, stored.accessExpiresAt);
    const refreshExpiry = expiryOf(stored.refreshToken, stored.refreshExpiresAt);
    const expired = (date: Date | undefined) => date === undefined || date.getTime() <= at;
    if (expired(accessExpiry) && expired(refreshExpiry)) {
      notice("gcore", `${who(stored.userId)}: both JWTs have expired; the pair is dropped from the state`);
      return "gone";
    }
    if (!(await connect(stored).userExists(stored.userId))) {
      notice(
        "gcore",
        `${who(stored.userId)}: the user no longer exists (HTTP 404); the pair is dropped from the state`,
      );
      return "gone";
    }
    return storedState(stored);
  },

  async revoke(stored) {
    // No Gcore endpoint revokes a JWT: forget the pair and say how long it keeps working.
    const at = now().getTime();
    const until = [
      expiryOf(stored.accessToken, stored.accessExpiresAt),
      expiryOf(stored.refreshToken, stored.refreshExpiresAt),
    ];
    const [access, refresh] = until.map((date) =>
      date !== undefined && date.getTime() > at ? date.toISOString() : undefined,
    );
    if (access === undefined && refresh === undefined) return;
    const parts = [
      access !== undefined ? `access JWT: ${access}` : undefined,
      refresh !== undefined ? `refresh JWT: ${refresh}` : undefined,
    ].filter((part) => part !== undefined);
    notice(
      "gcore",
      `${who(stored.userId)}: Gcore cannot revoke JWTs; forgetting the pair, which stays valid until it expires (${parts.join(", ")})`,
    );
  },
});
