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

/** Builds the NetBird API with its seeded account and users. */
export function createNetbird(clock: EmulatorClock): {
  api: VendorApi<NetbirdControl>;
  seeds: EmulatorSeeds["netbird"];
} {
  const accountId = "acc-emulator";
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

  const pats = new Map<string, Pat>(); // by id
  const patsByHash = new Map<string, Pat>();

  function issuePat(
    userId: string,
    name: string,
    days: number,
    createdBy: string,
  ): { plain: string; pat: Pat } {
    const now = clock.now();
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
    pats.set(pat.id, pat);
    patsByHash.set(pat.hash, pat);
    return { plain, pat };
  }

  function removePat(pat: Pat): void {
    pats.delete(pat.id);
    patsByHash.delete(pat.hash);
  }

  /** Format, checksum, existence and expiry (`now > expiration_date` rejects). */
  function findValidPat(plain: string): Pat | undefined {
    if (!isWellFormedPlainToken(plain)) return undefined;
    const pat = patsByHash.get(hashPlainToken(plain));
    if (pat === undefined || clock.now().getTime() > pat.expirationDate.getTime()) return undefined;
    return pat;
  }

  // Per-PAT token bucket, refilled by the EMULATOR clock (deterministic under a frozen clock).
  let rateLimit: { rpm: number; burst: number } | undefined;
  const buckets = new Map<string, { tokens: number; at: number }>();
  function takeRateToken(plain: string): boolean {
    if (rateLimit === undefined) return true;
    const now = clock.now().getTime();
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
  function authenticate(headers: Parameters<typeof headerValue>[0]): User | RouteResponse {
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
    if (!userAgent.toLowerCase().includes("terraform") && !takeRateToken(value)) {
      return error(429, "too many requests");
    }
    // Like the real server (api-notes §2): a malformed or expired PAT gives 401 "token invalid", but a
    // well-formed PAT that is unknown or deleted fails at the store lookup and gives 404
    // "invalid token: pat: <base64 sha256> not found".
    if (!isWellFormedPlainToken(value)) return error(401, "token invalid");
    const hash = hashPlainToken(value);
    const known = patsByHash.get(hash);
    if (known === undefined) return notFound(`invalid token: pat: ${hash} not found`);
    const pat = findValidPat(value);
    const user = pat === undefined ? undefined : users.get(pat.userId);
    if (pat === undefined || user === undefined) return error(401, "token invalid");
    pat.lastUsed = clock.now();
    return user;
  }

  /** Steps 4–6 of the validation order. Returns the target user or the error response. */
  /** The token named in the path, if it belongs to the path's user and the caller may act on it. */
  function targetPat(request: RouteRequest, operation: Operation): Pat | RouteResponse {
    const initiator = authenticate(request.headers);
    if (isResponse(initiator)) return initiator;
    const target = authorize(initiator, request.params.userId ?? "", operation);
    if (isResponse(target)) return target;
    const tokenId = request.params.tokenId ?? "";
    const pat = pats.get(tokenId);
    // Unknown and foreign tokens look the same: looked up by id AND user id.
    return pat === undefined || pat.userId !== target.id ? notFound(`pat: ${tokenId} not found`) : pat;
  }

  function authorize(initiator: User, targetId: string, operation: Operation): User | RouteResponse {
    const allowed =
      ROLE_PERMISSIONS[initiator.role].includes(operation) ||
      (operation === "read" && initiator.isServiceUser);
    if (!allowed) return error(403, "permission denied");
    const target = users.get(targetId);
    if (target === undefined) return notFound(`user: ${targetId} not found`);
    if (target.accountId !== initiator.accountId) return error(403, "permission denied");
    const isAdmin = initiator.role === "admin" || initiator.role === "owner";
    if (initiator.id !== target.id && !(isAdmin && target.isServiceUser)) {
      return error(403, "admin role required to perform this action");
    }
    return target;
  }

  const patJson = (pat: Pat) => ({
    id: pat.id,
    name: pat.name,
    expiration_date: goTime(pat.expirationDate),
    created_by: pat.createdBy,
    created_at: goTime(pat.createdAt),
    ...(pat.lastUsed === undefined ? {} : { last_used: goTime(pat.lastUsed) }),
  });

  const tokensOf = (userId: string) =>
    [...pats.values()].filter((pat) => pat.userId === userId).sort((a, b) => +a.createdAt - +b.createdAt);

  const routes: Route[] = [
    {
      name: "netbird.currentUser",
      method: "GET",
      path: "/api/users/current",
      async handle(request) {
        const user = authenticate(request.headers);
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
      },
    },
    {
      name: "netbird.listTokens",
      method: "GET",
      path: "/api/users/:userId/tokens",
      async handle(request) {
        const initiator = authenticate(request.headers);
        if (isResponse(initiator)) return initiator;
        const target = authorize(initiator, request.params.userId ?? "", "read");
        if (isResponse(target)) return target;
        const list = tokensOf(target.id);
        return reply(200, list.length === 0 ? null : list.map(patJson)); // Go nil slice → null
      },
    },
    {
      name: "netbird.createToken",
      method: "POST",
      path: "/api/users/:userId/tokens",
      async handle(request) {
        const initiator = authenticate(request.headers);
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
        const target = authorize(initiator, request.params.userId ?? "", "create");
        if (isResponse(target)) return target;
        const { plain, pat } = issuePat(target.id, name, expiresIn, initiator.id);
        return reply(200, { plain_token: plain, personal_access_token: patJson(pat) });
      },
    },
    {
      name: "netbird.getToken",
      method: "GET",
      path: "/api/users/:userId/tokens/:tokenId",
      async handle(request) {
        const pat = targetPat(request, "read");
        return isResponse(pat) ? pat : reply(200, patJson(pat));
      },
    },
    {
      name: "netbird.deleteToken",
      method: "DELETE",
      path: "/api/users/:userId/tokens/:tokenId",
      async handle(request) {
        const pat = targetPat(request, "delete");
        if (isResponse(pat)) return pat;
        removePat(pat);
        return reply(200, {});
      },
    },
  ];

  const adminToken = issuePat("user-admin", "admin-token", 365, "user-admin").plain;
  const plainUserToken = issuePat("user-plain", "plain-token", 365, "user-plain").plain;

  const control: NetbirdControl = {
    tokens: (userId) =>
      tokensOf(userId).map((pat): NetbirdTokenInfo => {
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
      const pat = pats.get(tokenId);
      if (pat === undefined || pat.userId !== userId) return false;
      removePat(pat);
      return true;
    },
    authenticate: (plainToken) => findValidPat(plainToken) !== undefined,
    seedToken(token) {
      if (!isWellFormedPlainToken(token.plainToken)) throw new Error("seedToken: malformed plain token");
      if (!users.has(token.userId)) throw new Error(`seedToken: unknown user ${token.userId}`);
      if (pats.has(token.id)) throw new Error(`seedToken: token ${token.id} exists`);
      const pat: Pat = {
        id: token.id,
        userId: token.userId,
        name: token.name,
        hash: hashPlainToken(token.plainToken),
        expirationDate: new Date(token.expirationDate),
        createdBy: token.createdBy,
        createdAt: new Date(token.createdAt),
        lastUsed: token.lastUsed === undefined ? undefined : new Date(token.lastUsed),
      };
      pats.set(pat.id, pat);
      patsByHash.set(pat.hash, pat);
    },
    setRateLimit(limit) {
      if (limit !== undefined && !(limit.rpm > 0 && limit.burst >= 1)) {
        throw new Error("setRateLimit needs rpm > 0 and burst >= 1");
      }
      rateLimit = limit === undefined ? undefined : { ...limit };
      buckets.clear();
    },
  };

  return {
    api: {
      vendor: "netbird",
      contentType: "application/json; charset=UTF-8",
      routes,
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
      control,
    },
    seeds: {
      accountId,
      adminUserId: "user-admin",
      adminToken,
      serviceUserId: "svc-ci",
      plainUserId: "user-plain",
      plainUserToken,
      foreignUserId: "user-foreign",
    },
  };
}
