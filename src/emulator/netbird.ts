/**
 * NetBird management API, personal access tokens (api-notes §2): `/api/users/current` and
 * `/api/users/{userId}/tokens[/{tokenId}]`, PAT authentication, the validation/authorization order, and an
 * optional per-PAT rate limit.
 */

import {
  addDays,
  goTime,
  hashPlainToken,
  isWellFormedPlainToken,
  newPlainToken,
  newXid,
} from "./netbird-pat.ts";
import {
  headerValue,
  isObject,
  isResponse,
  parseJsonBody,
  type Route,
  type RouteRequest,
  type RouteResponse,
  type VendorApi,
  reasonPhrase,
  reply,
  routesOf,
} from "./route.ts";
import type { EmulatorClock, EmulatorSeeds, NetbirdControl, NetbirdTokenInfo } from "./types.ts";

type Role = "owner" | "admin" | "user" | "auditor" | "network_admin";
type Operation = "read" | "create" | "delete";

interface User {
  id: string;
  accountId: string;
  role: Role;
  isServiceUser: boolean;
  name: string;
  email: string;
}

interface Pat {
  id: string;
  userId: string;
  name: string;
  hash: string;
  expirationDate: Date;
  createdBy: string;
  createdAt: Date;
  lastUsed: Date | undefined;
}

/** What the `pats` permission module allows per role (N7). Service users may additionally always read. */
const ROLE_PERMISSIONS: Record<Role, readonly Operation[]> = {
  owner: ["read", "create", "delete"],
  admin: ["read", "create", "delete"],
  network_admin: ["read", "create", "delete"],
  auditor: ["read"],
  user: [],
};

const error = (status: number, message: string): RouteResponse => reply(status, { message, code: status });
/**
 * A NotFound from the store: the real server lower-cases such a message, ids and hashes included
 * (api-notes §2, "Errors"); messages it writes itself, like "couldn't parse JSON request", keep their case.
 */
const notFound = (message: string): RouteResponse => error(404, message.toLowerCase());

/** The emulated server's data: the clock, users, tokens and the optional per-PAT rate limit. */
interface Netbird {
  readonly clock: EmulatorClock;
  readonly users: Map<string, User>;
  /** Tokens by id. */
  readonly pats: Map<string, Pat>;
  /** Tokens by the hash of their plain text, as the server looks them up. */
  readonly patsByHash: Map<string, Pat>;
  rateLimit: { rpm: number; burst: number } | undefined;
  /** Per-PAT token buckets, by plain token, refilled by the emulator's clock. */
  readonly buckets: Map<string, { tokens: number; at: number }>;
}

const ACCOUNT_ID = "acc-emulator";

/** Builds the NetBird API with its seeded account and users. */
export function createNetbird(clock: EmulatorClock): {
  api: VendorApi<NetbirdControl>;
  seeds: EmulatorSeeds["netbird"];
} {
  const netbird = seedNetbird(clock);
  const adminToken = issuePat(netbird, "user-admin", "admin-token", 365, "user-admin").plain;
  const plainUserToken = issuePat(netbird, "user-plain", "plain-token", 365, "user-plain").plain;
  return {
    api: {
      vendor: "netbird",
      contentType: "application/json; charset=UTF-8",
      routes: netbirdRoutes(netbird),
      errorBody: (status) => ({ message: reasonPhrase(status).toLowerCase(), code: status }),
      // As gorilla/mux and net/http answer in v0.69.0: routes registered with OPTIONS behind rs/cors AllowAll,
      // http.NotFound for anything else, and no body limit (16 MiB here only guards the tests).
      http: {
        pathPrefixes: ["/api/"],
        notFound: () => ({
          status: 404,
          headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
          body: "404 page not found\n",
        }),
        cors: "allow-all",
        maxBodyBytes: 16 * 1024 * 1024,
      },
      control: netbirdControl(netbird),
    },
    seeds: {
      accountId: ACCOUNT_ID,
      adminUserId: "user-admin",
      adminToken,
      serviceUserId: "svc-ci",
      plainUserId: "user-plain",
      plainUserToken,
      foreignUserId: "user-foreign",
    },
  };
}

/** The account's users (an admin, a service user, a plain user) and an admin of another account; no token. */
function seedNetbird(clock: EmulatorClock): Netbird {
  const accountId = ACCOUNT_ID;
  const users = new Map<string, User>();
  const addUser = (user: User) => users.set(user.id, user);
  addUser({
    id: "user-admin",
    accountId,
    role: "admin",
    isServiceUser: false,
    name: "Admin",
    email: "admin@example.com",
  });
  addUser({ id: "svc-ci", accountId, role: "user", isServiceUser: true, name: "CI", email: "" });
  addUser({
    id: "user-plain",
    accountId,
    role: "user",
    isServiceUser: false,
    name: "Plain",
    email: "plain@example.com",
  });
  addUser({
    id: "user-foreign",
    accountId: "acc-foreign",
    role: "admin",
    isServiceUser: false,
    name: "Foreign",
    email: "foreign@example.org",
  });
  return { clock, users, pats: new Map(), patsByHash: new Map(), rateLimit: undefined, buckets: new Map() };
}

/** Stores a token. */
function addPat(netbird: Netbird, pat: Pat): void {
  netbird.pats.set(pat.id, pat);
  netbird.patsByHash.set(pat.hash, pat);
}

/** Issues a new token for a user, valid `days` days from now. */
function issuePat(
  netbird: Netbird,
  userId: string,
  name: string,
  days: number,
  createdBy: string,
): { plain: string; pat: Pat } {
  const now = netbird.clock.now();
  const plain = newPlainToken();
  const pat: Pat = {
    id: newXid(now),
    userId,
    name,
    hash: hashPlainToken(plain),
    expirationDate: addDays(now, days),
    createdBy,
    createdAt: now,
    lastUsed: undefined,
  };
  addPat(netbird, pat);
  return { plain, pat };
}

/** Deletes a token. */
function removePat(netbird: Netbird, pat: Pat): void {
  netbird.pats.delete(pat.id);
  netbird.patsByHash.delete(pat.hash);
}

/** Format, checksum, existence and expiry (`now > expiration_date` rejects). */
function findValidPat(netbird: Netbird, plain: string): Pat | undefined {
  if (!isWellFormedPlainToken(plain)) return undefined;
  const pat = netbird.patsByHash.get(hashPlainToken(plain));
  if (pat === undefined || netbird.clock.now().getTime() > pat.expirationDate.getTime()) return undefined;
  return pat;
}

/**
 * Takes one request from the PAT's token bucket; false when it is empty. The bucket is refilled by the
 * EMULATOR clock (deterministic under a frozen clock).
 */
function takeRateToken(netbird: Netbird, plain: string): boolean {
  const { rateLimit, buckets } = netbird;
  if (rateLimit === undefined) return true;
  const now = netbird.clock.now().getTime();
  const bucket = buckets.get(plain) ?? { tokens: rateLimit.burst, at: now };
  const refill = (Math.max(0, now - bucket.at) / 60_000) * rateLimit.rpm;
  bucket.tokens = Math.min(rateLimit.burst, bucket.tokens + refill);
  bucket.at = now;
  buckets.set(plain, bucket);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

/** The auth middleware (N5). Returns the initiator, or the error response. */
function authenticate(netbird: Netbird, headers: RouteRequest["headers"]): User | RouteResponse {
  // As the real middleware: split on single spaces; the first part names the scheme (a PAT sent as
  // Bearer counts as Token); once the scheme is Token or Bearer, any later failure is "token invalid".
  const parts = (headerValue(headers, "authorization") ?? "").split(" ");
  let scheme = (parts[0] ?? "").toLowerCase();
  if (parts.length >= 2 && scheme === "bearer" && (parts[1] ?? "").startsWith("nbp_")) scheme = "token";
  // An IdP JWT: no IdP is emulated, so every JWT fails validation like a bad one does.
  if (scheme === "bearer") return error(401, "token invalid");
  if (scheme !== "token") return error(401, "no valid authentication provided");
  if (parts.length !== 2) return error(401, "token invalid");
  const value = parts[1] ?? "";
  const userAgent = headerValue(headers, "user-agent") ?? "";
  if (!userAgent.toLowerCase().includes("terraform") && !takeRateToken(netbird, value)) {
    return error(429, "too many requests");
  }
  // Like the real server (api-notes §2): a malformed or expired PAT gives 401 "token invalid", but a
  // well-formed PAT that is unknown or deleted fails at the store lookup and gives 404
  // "invalid token: pat: <base64 sha256> not found".
  if (!isWellFormedPlainToken(value)) return error(401, "token invalid");
  const hash = hashPlainToken(value);
  const known = netbird.patsByHash.get(hash);
  if (known === undefined) return notFound(`invalid token: pat: ${hash} not found`);
  const pat = findValidPat(netbird, value);
  const user = pat === undefined ? undefined : netbird.users.get(pat.userId);
  if (pat === undefined || user === undefined) return error(401, "token invalid");
  pat.lastUsed = netbird.clock.now();
  return user;
}

/** The token named in the path, if it belongs to the path's user and the caller may act on it. */
function targetPat(netbird: Netbird, request: RouteRequest, operation: Operation): Pat | RouteResponse {
  const initiator = authenticate(netbird, request.headers);
  if (isResponse(initiator)) return initiator;
  const target = authorize(netbird, initiator, request.params.userId ?? "", operation);
  if (isResponse(target)) return target;
  const tokenId = request.params.tokenId ?? "";
  const pat = netbird.pats.get(tokenId);
  // Unknown and foreign tokens look the same: looked up by id AND user id.
  return pat === undefined || pat.userId !== target.id ? notFound(`pat: ${tokenId} not found`) : pat;
}

/** Steps 4–6 of the validation order. Returns the target user or the error response. */
function authorize(
  netbird: Netbird,
  initiator: User,
  targetId: string,
  operation: Operation,
): User | RouteResponse {
  const allowed =
    ROLE_PERMISSIONS[initiator.role].includes(operation) || (operation === "read" && initiator.isServiceUser);
  if (!allowed) return error(403, "permission denied");
  const target = netbird.users.get(targetId);
  if (target === undefined) return notFound(`user: ${targetId} not found`);
  if (target.accountId !== initiator.accountId) return error(403, "permission denied");
  const isAdmin = initiator.role === "admin" || initiator.role === "owner";
  if (initiator.id !== target.id && !(isAdmin && target.isServiceUser)) {
    return error(403, "admin role required to perform this action");
  }
  return target;
}

/** A token as the API shows it (never its plain text). */
function patJson(pat: Pat) {
  return {
    id: pat.id,
    name: pat.name,
    expiration_date: goTime(pat.expirationDate),
    created_by: pat.createdBy,
    created_at: goTime(pat.createdAt),
    ...(pat.lastUsed === undefined ? {} : { last_used: goTime(pat.lastUsed) }),
  };
}

/** A user's tokens, oldest first. */
function tokensOf(netbird: Netbird, userId: string): Pat[] {
  return [...netbird.pats.values()]
    .filter((pat) => pat.userId === userId)
    .sort((a, b) => +a.createdAt - +b.createdAt);
}

/** The routes of the NetBird management API's token endpoints. */
function netbirdRoutes(netbird: Netbird): Route[] {
  return routesOf<Netbird>(netbird, [
    ["netbird.currentUser", "GET", "/api/users/current", currentUser],
    ["netbird.listTokens", "GET", "/api/users/:userId/tokens", listTokens],
    ["netbird.createToken", "POST", "/api/users/:userId/tokens", createToken],
    ["netbird.getToken", "GET", "/api/users/:userId/tokens/:tokenId", getToken],
    ["netbird.deleteToken", "DELETE", "/api/users/:userId/tokens/:tokenId", deleteToken],
  ]);
}

/** `GET /api/users/current`: the caller, unless it is a service user. */
async function currentUser(netbird: Netbird, request: RouteRequest): Promise<RouteResponse> {
  const user = authenticate(netbird, request.headers);
  if (isResponse(user)) return user;
  // The real server refuses "who am I" to service users (GetCurrentUserInfo, v0.69.0).
  if (user.isServiceUser) return error(403, "permission denied");
  return reply(200, {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    status: "active",
    auto_groups: [],
    is_current: true,
    is_service_user: user.isServiceUser,
    is_blocked: false,
    issued: "api",
  });
}

/** `GET /api/users/{userId}/tokens`: the user's tokens, `null` when there is none. */
async function listTokens(netbird: Netbird, request: RouteRequest): Promise<RouteResponse> {
  const initiator = authenticate(netbird, request.headers);
  if (isResponse(initiator)) return initiator;
  const target = authorize(netbird, initiator, request.params.userId ?? "", "read");
  if (isResponse(target)) return target;
  const list = tokensOf(netbird, target.id);
  return reply(200, list.length === 0 ? null : list.map(patJson)); // Go nil slice → null
}

/** `POST /api/users/{userId}/tokens`: a new token and, this once, its plain text. */
async function createToken(netbird: Netbird, request: RouteRequest): Promise<RouteResponse> {
  const initiator = authenticate(netbird, request.headers);
  if (isResponse(initiator)) return initiator;
  const parsed = parseJsonBody(request.body);
  const body = parsed.ok ? (parsed.value ?? {}) : undefined;
  const name = isObject(body) ? (body.name ?? "") : undefined;
  const expiresIn = isObject(body) ? (body.expires_in ?? 0) : undefined;
  if (typeof name !== "string" || typeof expiresIn !== "number" || !Number.isInteger(expiresIn)) {
    return error(400, "couldn't parse JSON request");
  }
  if (name === "") return error(422, "token name can't be empty");
  if (expiresIn < 1 || expiresIn > 365) return error(422, "expiration has to be between 1 and 365");
  const target = authorize(netbird, initiator, request.params.userId ?? "", "create");
  if (isResponse(target)) return target;
  const { plain, pat } = issuePat(netbird, target.id, name, expiresIn, initiator.id);
  return reply(200, { plain_token: plain, personal_access_token: patJson(pat) });
}

/** `GET /api/users/{userId}/tokens/{tokenId}`: one token. */
async function getToken(netbird: Netbird, request: RouteRequest): Promise<RouteResponse> {
  const pat = targetPat(netbird, request, "read");
  return isResponse(pat) ? pat : reply(200, patJson(pat));
}

/** `DELETE /api/users/{userId}/tokens/{tokenId}`: revokes one token. */
async function deleteToken(netbird: Netbird, request: RouteRequest): Promise<RouteResponse> {
  const pat = targetPat(netbird, request, "delete");
  if (isResponse(pat)) return pat;
  removePat(netbird, pat);
  return reply(200, {});
}

/** What tests may do behind the API's back: list, delete and seed tokens, check one, set the rate limit. */
function netbirdControl(netbird: Netbird): NetbirdControl {
  return {
    tokens: (userId) =>
      tokensOf(netbird, userId).map((pat): NetbirdTokenInfo => {
        const json = patJson(pat);
        return {
          id: json.id,
          name: json.name,
          expirationDate: json.expiration_date,
          createdAt: json.created_at,
          createdBy: json.created_by,
          ...(pat.lastUsed === undefined ? {} : { lastUsed: goTime(pat.lastUsed) }),
        };
      }),
    deleteToken(userId, tokenId) {
      const pat = netbird.pats.get(tokenId);
      if (pat === undefined || pat.userId !== userId) return false;
      removePat(netbird, pat);
      return true;
    },
    authenticate: (plainToken) => findValidPat(netbird, plainToken) !== undefined,
    seedToken(token) {
      if (!isWellFormedPlainToken(token.plainToken)) throw new Error("seedToken: malformed plain token");
      if (!netbird.users.has(token.userId)) throw new Error(`seedToken: unknown user ${token.userId}`);
      if (netbird.pats.has(token.id)) throw new Error(`seedToken: token ${token.id} exists`);
      addPat(netbird, {
        id: token.id,
        userId: token.userId,
        name: token.name,
        hash: hashPlainToken(token.plainToken),
        expirationDate: new Date(token.expirationDate),
        createdBy: token.createdBy,
        createdAt: new Date(token.createdAt),
        lastUsed: token.lastUsed === undefined ? undefined : new Date(token.lastUsed),
      });
    },
    setRateLimit(limit) {
      if (limit !== undefined && !(limit.rpm > 0 && limit.burst >= 1)) {
        throw new Error("setRateLimit needs rpm > 0 and burst >= 1");
      }
      netbird.rateLimit = limit === undefined ? undefined : { ...limit };
      netbird.buckets.clear();
    },
  };
}
