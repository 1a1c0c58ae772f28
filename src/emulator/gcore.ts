/**
 * Gcore IAM (api-notes §1): JWT login/refresh with rotation and blacklisting, the reseller "user token"
 * endpoint, and the whoami-style reads. Auth: `APIKey <id>_<secret>` (or `<id>$<secret>`) and
 * `Bearer <access JWT>`.
 *
 * Error bodies: the spec documents `{errors:{…}}` (400 validation), `{message}` (400 JSON parse error) and only the
 * messages of 401/403/404. For those the service looks like Django REST Framework + simplejwt [api-notes: I], so
 * they use DRF's shape `{"detail": "<message>"}`, plus `"code": "token_not_valid"` where simplejwt adds it.
 */
import { decodeJwt } from "jose";
import { randomBase62, randomHex, safeEqual } from "./encoding.ts";
import { gcoreKeyPair, type RsaKeyPair, signRs256, verifyRs256 } from "./jwt.ts";
import type { VendorApi } from "./route.ts";
import {
  headerValue,
  isObject,
  isResponse,
  parseJsonBody,
  type Route,
  type RouteRequest,
  type RouteResponse,
  reasonPhrase,
  reply,
  routesOf,
} from "./route.ts";
import type { EmulatorClock, EmulatorSeeds, GcoreControl } from "./types.ts";

interface Group {
  id: number;
  name: string;
}

interface User {
  id: number;
  email: string;
  name: string;
  password: string | undefined;
  userType: "common" | "reseller";
  clientId: number;
  groups: Group[];
  deleted: boolean;
}

interface Client {
  id: number;
  name: string;
  email: string;
  /** The reseller's client id, for clients of a reseller. */
  resellerClientId: number | undefined;
}

const ACCESS_LIFETIME_S = 3600;
const REFRESH_LIFETIME_S = 86_400;
const ADMINISTRATORS: Group = { id: 1, name: "Administrators" };

const detail = (status: number, message: string, code?: string): RouteResponse =>
  reply(status, code === undefined ? { detail: message } : { detail: message, code });
const notProvided = () => detail(401, "Authentication credentials were not provided.");
const notValidForAnyType = () => detail(401, "Given token not valid for any token type", "token_not_valid");
const invalidOrExpired = () => detail(401, "Token is invalid or expired", "token_not_valid");

/** DRF's messages for a required string field; undefined when the value is fine. */
function fieldError(value: unknown): string | undefined {
  if (value === undefined) return "This field is required.";
  if (value === null) return "This field may not be null.";
  if (typeof value !== "string") return "Not a valid string.";
  if (value === "") return "This field may not be blank.";
  return undefined;
}

/** Parses a DRF JSON body: `{ok, value}` or the 400 response (parse error or not a dictionary). */
function parseDrfBody(body: Buffer): { value: Record<string, unknown> } | { response: RouteResponse } {
  const parsed = parseJsonBody(body);
  if (!parsed.ok) return { response: reply(400, { message: `JSON parse error - ${parsed.error}\n` }) };
  if (!isObject(parsed.value)) {
    const got = parsed.value === null ? "null" : Array.isArray(parsed.value) ? "list" : typeof parsed.value;
    return {
      response: reply(400, {
        errors: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] },
      }),
    };
  }
  return { value: parsed.value };
}

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** The emulated service's data: the signing key, the clock, clients, users, API keys and the refresh blacklist. */
interface Gcore {
  readonly clock: EmulatorClock;
  readonly key: RsaKeyPair;
  readonly clients: Map<number, Client>;
  readonly users: Map<number, User>;
  /** Permanent API tokens by token id. */
  readonly apiKeys: Map<string, { userId: number; secret: string }>;
  /** The jti of every refresh token used or revoked. */
  readonly blacklist: Set<string>;
}

/** Builds the Gcore IAM API with a reseller, its client and a common user. */
export async function createGcore(clock: EmulatorClock): Promise<{
  api: VendorApi<GcoreControl>;
  seeds: EmulatorSeeds["gcore"];
}> {
  const { gcore, seeds } = await seedGcore(clock);
  return {
    api: {
      vendor: "gcore",
      contentType: "application/json",
      routes: gcoreRoutes(gcore),
      errorBody: (status) => ({ detail: reasonPhrase(status) }),
      control: gcoreControl(gcore),
    },
    seeds,
  };
}

/** The service's data at start: a reseller (9001) of client 900, and a common user (1234) of its client 5678. */
async function seedGcore(clock: EmulatorClock): Promise<{ gcore: Gcore; seeds: EmulatorSeeds["gcore"] }> {
  const key: RsaKeyPair = await gcoreKeyPair();
  const resellerClientId = 900;
  const clientId = 5678;
  const clients = new Map<number, Client>([
    [
      resellerClientId,
      {
        id: resellerClientId,
        name: "Emulated Reseller",
        email: "reseller@example.com",
        resellerClientId: undefined,
      },
    ],
    [clientId, { id: clientId, name: "Test Company", email: "user@example.com", resellerClientId }],
  ]);
  const userPassword = randomBase62(20);
  const users = new Map<number, User>([
    [
      9001,
      {
        id: 9001,
        email: "reseller@example.com",
        name: "Reseller Admin",
        password: undefined,
        userType: "reseller",
        clientId: resellerClientId,
        groups: [ADMINISTRATORS],
        deleted: false,
      },
    ],
    [
      1234,
      {
        id: 1234,
        email: "user@example.com",
        name: "Common User",
        password: userPassword,
        userType: "common",
        clientId,
        groups: [ADMINISTRATORS],
        deleted: false,
      },
    ],
  ]);
  const gcore: Gcore = { clock, key, clients, users, apiKeys: new Map(), blacklist: new Set() };
  const resellerApiKey = newApiKey(gcore, 77, 9001);
  const commonApiKey = newApiKey(gcore, 78, 1234);
  return {
    gcore,
    seeds: {
      resellerUserId: 9001,
      resellerApiKey,
      clientId,
      userId: 1234,
      userEmail: "user@example.com",
      userPassword,
      commonApiKey,
    },
  };
}

/** Issues a permanent API token `<tokenId>_<secret>` for a user. */
function newApiKey(gcore: Gcore, tokenId: number, userId: number): string {
  const secret = randomHex(32);
  gcore.apiKeys.set(String(tokenId), { userId, secret });
  return `${tokenId}_${secret}`;
}

/** The user with this id, unless there is none or it was deleted. */
function liveUser(gcore: Gcore, id: unknown): User | undefined {
  const user = typeof id === "number" ? gcore.users.get(id) : undefined;
  return user === undefined || user.deleted ? undefined : user;
}

/** A new refresh/access JWT pair for a user; the access token names its refresh token (`rjti`). */
async function mintPair(gcore: Gcore, user: User): Promise<{ refresh: string; access: string }> {
  const now = Math.floor(gcore.clock.now().getTime() / 1000);
  const client = gcore.clients.get(user.clientId);
  const userClaims = {
    user_id: user.id,
    user_type: user.userType,
    user_groups: user.groups.map((group) => group.name),
    client_id: user.clientId,
    email: user.email,
    username: user.email,
    sso_entity: null,
    is_admin: false,
    client_name: client?.name ?? "",
    exchangeable: true,
  };
  const refreshJti = randomHex(16);
  const refresh = await signRs256(
    { token_type: "refresh", exp: now + REFRESH_LIFETIME_S, jti: refreshJti, ...userClaims },
    gcore.key,
  );
  const access = await signRs256(
    {
      token_type: "access",
      exp: now + ACCESS_LIFETIME_S,
      jti: randomHex(16),
      ...userClaims,
      rjti: refreshJti,
    },
    gcore.key,
  );
  return { refresh, access };
}

/** Verifies a JWT of the given token_type; undefined when invalid, expired or of another type. */
async function verifyTyped(
  gcore: Gcore,
  token: string,
  type: "access" | "refresh",
): Promise<Record<string, unknown> | undefined> {
  try {
    const claims = await verifyRs256(token, gcore.key, gcore.clock.now());
    return claims.token_type === type ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** DRF authentication: APIKey permanent tokens, then simplejwt Bearer access tokens. */
async function authenticate(gcore: Gcore, headers: RouteRequest["headers"]): Promise<User | RouteResponse> {
  const header = headerValue(headers, "authorization")?.trim() ?? "";
  if (header === "") return notProvided();
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const value = space < 0 ? "" : header.slice(space + 1).trim();
  if (scheme === "apikey") {
    if (JWT_SHAPE.test(value)) return notValidForAnyType(); // a JWT sent as APIKey: wrong scheme
    const match = /^(\d+)(?:[_$](.*))?$/.exec(value);
    if (match === null) return invalidOrExpired();
    const [, tokenId = "", secret = ""] = match;
    if (secret === "") return detail(401, `Bad token: ${tokenId}`); // truncated token (S4)
    const apiKey = gcore.apiKeys.get(tokenId);
    const user =
      apiKey !== undefined && safeEqual(apiKey.secret, secret) ? liveUser(gcore, apiKey.userId) : undefined;
    return user ?? invalidOrExpired();
  }
  if (scheme === "bearer") {
    // simplejwt answers every Bearer failure (not a JWT, e.g. a permanent token; bad signature; expired;
    // refresh instead of access; deleted user) with the same "Given token not valid for any token type".
    const claims = JWT_SHAPE.test(value) ? await verifyTyped(gcore, value, "access") : undefined;
    return liveUser(gcore, claims?.user_id) ?? notValidForAnyType();
  }
  // No authenticator recognises the scheme, so DRF treats the request as unauthenticated.
  return notProvided();
}

/** A user as the users endpoints show it. */
function userPublic(gcore: Gcore, user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    lang: "en",
    phone: null,
    company: gcore.clients.get(user.clientId)?.name ?? "",
    reseller: gcore.clients.get(user.clientId)?.resellerClientId ?? 0,
    client: user.clientId,
    deleted: false,
    groups: user.groups,
    activated: true,
    sso_auth: false,
    two_fa: false,
    auth_types: ["password"],
    user_type: user.userType,
    is_active: true,
  };
}

/** Users the caller may see: itself, its own client's users, and (resellers) users of their clients. */
function canSee(gcore: Gcore, caller: User, target: User): boolean {
  return (
    caller.id === target.id ||
    caller.clientId === target.clientId ||
    (caller.userType === "reseller" &&
      gcore.clients.get(target.clientId)?.resellerClientId === caller.clientId)
  );
}

/** The live user a `:userId` path segment names (digits only). */
function pathUser(gcore: Gcore, raw: string | undefined): User | undefined {
  return raw !== undefined && /^\d{1,15}$/.test(raw) ? liveUser(gcore, Number(raw)) : undefined;
}

/** The routes of the Gcore IAM API. */
function gcoreRoutes(gcore: Gcore): Route[] {
  return routesOf<Gcore>(gcore, [
    ["gcore.login", "POST", "/iam/auth/jwt/login", login],
    ["gcore.refresh", "POST", "/iam/auth/jwt/refresh", refresh],
    ["gcore.userToken", "GET", "/iam/auth/jwt/users/:userId/token", userToken],
    ["gcore.usersMe", "GET", "/iam/users/me", usersMe],
    ["gcore.getUser", "GET", "/iam/users/:userId", getUser],
    ["gcore.clientsMe", "GET", "/iam/clients/me", clientsMe],
  ]);
}

/** `POST /iam/auth/jwt/login`: a JWT pair for a user's e-mail and password. */
async function login(gcore: Gcore, request: RouteRequest): Promise<RouteResponse> {
  const body = parseDrfBody(request.body);
  if ("response" in body) return body.response;
  const errors: Record<string, string[]> = {};
  for (const field of ["username", "password"]) {
    const message = fieldError(body.value[field]);
    if (message !== undefined) errors[field] = [message];
  }
  if (Object.keys(errors).length > 0) return reply(400, { errors });
  const user = [...gcore.users.values()].find(
    (candidate) =>
      !candidate.deleted &&
      candidate.password !== undefined &&
      candidate.email.toLowerCase() === String(body.value.username).toLowerCase() &&
      safeEqual(candidate.password, String(body.value.password)),
  );
  if (user === undefined) {
    return reply(400, { errors: { errors: ["No active account found with the given credentials."] } });
  }
  return reply(200, await mintPair(gcore, user));
}

/** `POST /iam/auth/jwt/refresh`: a new pair for a refresh token, which is blacklisted once used. */
async function refresh(gcore: Gcore, request: RouteRequest): Promise<RouteResponse> {
  const body = parseDrfBody(request.body);
  if ("response" in body) return body.response;
  const presented = body.value.refresh;
  const message = fieldError(presented);
  if (message !== undefined || typeof presented !== "string") {
    return reply(400, { errors: { refresh: [message ?? "Not a valid string."] } });
  }
  // Inferred body (the spec documents the 401 without one): simplejwt's TokenRefreshView answer.
  const claims = await verifyTyped(gcore, presented, "refresh");
  const jti = claims?.jti;
  const user = liveUser(gcore, claims?.user_id);
  if (typeof jti !== "string" || gcore.blacklist.has(jti) || user === undefined) return invalidOrExpired();
  gcore.blacklist.add(jti); // synchronous check-and-set: a concurrent second use sees it
  return reply(200, await mintPair(gcore, user));
}

/** `GET /iam/auth/jwt/users/{userId}/token`: a reseller gets a pair for itself or a user of its clients. */
async function userToken(gcore: Gcore, request: RouteRequest): Promise<RouteResponse> {
  const caller = await authenticate(gcore, request.headers);
  if (isResponse(caller)) return caller;
  if (caller.userType !== "reseller")
    return detail(403, "You do not have permission to perform this action.");
  const target = pathUser(gcore, request.params.userId);
  const isClientOfCaller =
    target !== undefined &&
    (target.id === caller.id || gcore.clients.get(target.clientId)?.resellerClientId === caller.clientId);
  if (target === undefined || !isClientOfCaller) return detail(404, "Resource not found.");
  return reply(200, await mintPair(gcore, target));
}

/** `GET /iam/users/me`: the caller. */
async function usersMe(gcore: Gcore, request: RouteRequest): Promise<RouteResponse> {
  const caller = await authenticate(gcore, request.headers);
  return isResponse(caller) ? caller : reply(200, userPublic(gcore, caller));
}

/** `GET /iam/users/{userId}`: a user the caller may see. */
async function getUser(gcore: Gcore, request: RouteRequest): Promise<RouteResponse> {
  const caller = await authenticate(gcore, request.headers);
  if (isResponse(caller)) return caller;
  const target = pathUser(gcore, request.params.userId);
  if (target === undefined || !canSee(gcore, caller, target)) return detail(404, "User not found.");
  return reply(200, userPublic(gcore, target));
}

/** `GET /iam/clients/me`: the caller's client and its users. */
async function clientsMe(gcore: Gcore, request: RouteRequest): Promise<RouteResponse> {
  const caller = await authenticate(gcore, request.headers);
  if (isResponse(caller)) return caller;
  const client = gcore.clients.get(caller.clientId);
  return reply(200, {
    id: caller.clientId,
    email: client?.email ?? caller.email,
    name: client?.name ?? "",
    status: "active",
    companyName: client?.name ?? "",
    deleted: false,
    is_test: false,
    has_active_admin: true,
    currentUser: caller.id,
    capabilities: [],
    serviceStatuses: {},
    paidFeatures: {},
    freeFeatures: {},
    entryBaseDomain: null,
    bill_type: "postpaid",
    users: [...gcore.users.values()]
      .filter((user) => user.clientId === caller.clientId && !user.deleted)
      .map((user) => ({ id: user.id, email: user.email, name: user.name })),
  });
}

/** The jti claim of a JWT, read without verifying it; undefined when there is none. */
function jtiOf(token: string): string | undefined {
  try {
    const jti = decodeJwt(token).jti;
    return typeof jti === "string" ? jti : undefined;
  } catch {
    return undefined;
  }
}

/** What tests may do behind the API's back: delete users, blacklist and check refresh tokens, verify JWTs. */
function gcoreControl(gcore: Gcore): GcoreControl {
  return {
    deleteUser(userId) {
      const user = gcore.users.get(userId);
      if (user === undefined) throw new Error(`gcore.deleteUser: no user ${userId}`);
      user.deleted = true;
    },
    blacklistRefreshToken(refreshToken) {
      const jti = jtiOf(refreshToken);
      if (jti === undefined) throw new Error("gcore.blacklistRefreshToken: not a JWT with a jti");
      gcore.blacklist.add(jti);
    },
    isRefreshTokenBlacklisted(refreshToken) {
      const jti = jtiOf(refreshToken);
      return jti !== undefined && gcore.blacklist.has(jti);
    },
    async verifyAccessToken(token) {
      const claims = await verifyRs256(token, gcore.key, gcore.clock.now());
      if (claims.token_type !== "access")
        throw new Error("gcore.verifyAccessToken: token_type is not access");
      return claims;
    },
  };
}
