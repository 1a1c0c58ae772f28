/**
 * A generic Docker registry v2 token server, spec-complete (distribution spec auth/token.md, oauth.md, jwt.md,
 * scope.md), and the registry's side of the challenge:
 *
 * - `/v2/` and every `/v2/…` path (any method, route `registry.challenge`): without a valid token 401 with
 *   `WWW-Authenticate: Bearer realm="<origin>/auth/token",service="<service>"`, plus `,scope="…"` for a
 *   repository path (`pull` to read, `pull,push` to write, `delete` to delete) or `_catalog`. A valid token (a JWT
 *   the emulator signed, or an opaque token it issued, for the service): 200 `{}` on `/v2/`; on a path it
 *   covers 404 NAME_UNKNOWN (the emulator stores no images), else 401 with `error="insufficient_scope"`.
 * - `GET /auth/token` (route `registry.tokenGet`): `service` required; `scope` may repeat; Basic credentials, or
 *   none (anonymous); `offline_token=true` with Basic adds a refresh token. `account` and `client_id` are
 *   accepted and not checked, as distribution's own clients send them for information.
 * - `POST /auth/token` (route `registry.tokenPost`): the OAuth2 form, `grant_type=password|refresh_token`.
 *
 * Requested scopes are cut down to the account's grants (partial access is not an error). The modes
 * ({@link RegistryModes}) make it answer as distribution-style servers or as cesanta/docker_auth, with JWTs or
 * opaque tokens, with or without OAuth2. The signing key and issuer are the emulator's one pair, shared with ICP.
 */
import {
  basicCredentials,
  basicUnauthorized,
  createRefreshTokens,
  cutScopes,
  epochSeconds,
  formatScopes,
  looksLikeJwt,
  oauthPost,
  parseScope,
  parseScopes,
  registryClaims,
  type RefreshTokens,
  registryError,
  type ResourceScope,
  rfc3339,
  type TokenSigner,
  tokenServerErrorBody,
} from "./docker-token.ts";
import { randomBase62, safeEqual } from "./encoding.ts";
import {
  headerValue,
  type Route,
  type RouteRequest,
  type RouteResponse,
  reply,
  type VendorApi,
  routesOf,
} from "./route.ts";
import type {
  EmulatorClock,
  EmulatorSeeds,
  RegistryAccountSeed,
  RegistryControl,
  RegistryModes,
} from "./types.ts";

const REALM_PATH = "/auth/token";
const DEFAULT_MODES: RegistryModes = {
  answer: "distribution",
  tokenFormat: "jwt",
  oauth2: "on",
  tokenLifetimeSeconds: 300,
  service: "registry.emulator",
};
const OPAQUE_TOKEN_LENGTH = 48;
/** Every `/v2` answer carries it; docker checks it on its `/v2/` ping. */
const API_VERSION = { "docker-distribution-api-version": "registry/2.0" };
const ANONYMOUS_GRANTS = ["repository:public/*:pull"];
const unauthorized = () => basicUnauthorized('Basic realm="registry.emulator", charset="UTF-8"');

/** One compiled grant: a resource type, a name pattern (`*` matches anything, `/` too) and its actions. */
interface Grant {
  type: string;
  name: RegExp;
  actions: string[];
}

function compileGrants(grants: readonly string[]): Grant[] {
  return grants.map((text) => {
    const scope = parseScope(text);
    if (scope === undefined) throw new Error(`invalid grant ${JSON.stringify(text)}`);
    const pattern = scope.name.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    return { type: scope.type, name: new RegExp(`^${pattern}$`), actions: scope.actions };
  });
}

/** The actions `grants` allow on a resource (the resource class is not part of the match). */
const allowedBy =
  (grants: readonly Grant[]) =>
  (scope: ResourceScope): string[] =>
    grants.filter((g) => g.type === scope.type && g.name.test(scope.name)).flatMap((g) => g.actions);

/** Does `access` hold every action of `required` on its resource? */
function covers(access: readonly ResourceScope[], required: ResourceScope): boolean {
  const held = access
    .filter((a) => a.type === required.type && a.name === required.name)
    .flatMap((a) => a.actions);
  return required.actions.every((action) => held.includes("*") || held.includes(action));
}

/** The scope a `/v2/<rest>` request needs, or undefined for `/v2/` itself (and paths that name no resource). */
function requiredScope(method: string, rest: string): ResourceScope | undefined {
  if (rest === "_catalog") return { type: "registry", name: "catalog", actions: ["*"] };
  const match = /^(.+?)\/(?:manifests|blobs|tags|referrers)(?:\/.*)?$/.exec(rest);
  if (match === null) return undefined;
  const actions =
    method === "GET" || method === "HEAD" ? ["pull"] : method === "DELETE" ? ["delete"] : ["pull", "push"];
  return { type: "repository", name: match[1] ?? "", actions };
}

/** Throws unless `modes` are valid. */
function validateModes(modes: RegistryModes): void {
  const choices: [keyof RegistryModes, readonly unknown[]][] = [
    ["answer", ["distribution", "docker_auth"]],
    ["tokenFormat", ["jwt", "opaque"]],
    ["oauth2", ["on", "404", "405"]],
  ];
  for (const [key, allowed] of choices) {
    if (!allowed.includes(modes[key])) {
      throw new Error(`registry mode ${key} must be one of ${allowed.join(", ")}, got ${String(modes[key])}`);
    }
  }
  if (!(Number.isInteger(modes.tokenLifetimeSeconds) && modes.tokenLifetimeSeconds > 0)) {
    throw new Error(
      `registry mode tokenLifetimeSeconds must be a positive integer, got ${modes.tokenLifetimeSeconds}`,
    );
  }
  if (
    typeof modes.service !== "string" ||
    !/^[\x21-\x7e]+$/.test(modes.service) ||
    modes.service.includes('"')
  ) {
    throw new Error("registry mode service must be a non-empty printable string without quotes");
  }
}

/** What the server remembers of an opaque token. */
interface OpaqueToken {
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  access: ResourceScope[];
}

/** The token server's data: the clock, the key, accounts and their grants, the modes and the tokens it issued. */
interface Registry {
  readonly clock: EmulatorClock;
  /** The emulator's one registry-token key, shared with ICP. */
  readonly signer: TokenSigner;
  /** Accounts by username: password and compiled grants. */
  readonly accounts: Map<string, { password: string; grants: Grant[] }>;
  /** What anonymous requests are granted. */
  readonly anonymous: Grant[];
  readonly refreshTokens: RefreshTokens;
  /** Opaque tokens issued (`tokenFormat: "opaque"`) and not yet pruned. */
  readonly opaque: Map<string, OpaqueToken>;
  modes: RegistryModes;
}

/** Builds the generic token server: seeded accounts, modes, and the three routes. */
export function createRegistry(
  clock: EmulatorClock,
  signer: TokenSigner,
): { api: VendorApi<RegistryControl>; seeds: EmulatorSeeds["registry"] } {
  const { registry, seeds } = seedRegistry(clock, signer);
  return {
    api: {
      vendor: "registry",
      contentType: "application/json",
      routes: registryRoutes(registry),
      errorBody: (status, route) => tokenServerErrorBody(status, route === "registry.tokenPost"),
      control: registryControl(registry),
    },
    seeds,
  };
}

/**
 * The server's data at start: the default modes, accounts `ci` and `robot$ci` (pull and push on team/app),
 * `reader` (pull), `admin` (everything and the catalog), each with a random password; anonymous may pull public/*.
 */
function seedRegistry(
  clock: EmulatorClock,
  signer: TokenSigner,
): { registry: Registry; seeds: EmulatorSeeds["registry"] } {
  const account = (username: string, grants: string[]): RegistryAccountSeed => ({
    username,
    password: randomBase62(24),
    grants,
  });
  const seeds: EmulatorSeeds["registry"] = {
    service: DEFAULT_MODES.service,
    realmPath: REALM_PATH,
    ci: account("ci", ["repository:team/app:pull,push"]),
    reader: account("reader", ["repository:team/app:pull"]),
    robot: account("robot$ci", ["repository:team/app:pull,push"]),
    admin: account("admin", ["repository:*:*", "registry:catalog:*"]),
    anonymousGrants: [...ANONYMOUS_GRANTS],
    publicRepository: "public/base",
  };
  const accounts = new Map(
    [seeds.ci, seeds.reader, seeds.robot, seeds.admin].map((a) => [
      a.username,
      { password: a.password, grants: compileGrants(a.grants) },
    ]),
  );
  const registry: Registry = {
    clock,
    signer,
    accounts,
    anonymous: compileGrants(ANONYMOUS_GRANTS),
    refreshTokens: createRefreshTokens(),
    opaque: new Map(),
    modes: { ...DEFAULT_MODES },
  };
  return { registry, seeds };
}

/** Now, in epoch seconds. */
const seconds = (registry: Registry) => epochSeconds(registry.clock.now());

/** True when the password is the account's. */
function checkPassword(registry: Registry, username: string, password: string): boolean {
  const known = registry.accounts.get(username);
  return known !== undefined && safeEqual(password, known.password);
}

/** An account's grants; '' is anonymous. */
const grantsOf = (registry: Registry, subject: string) =>
  subject === "" ? registry.anonymous : (registry.accounts.get(subject)?.grants ?? []);

/** Issues a token in the current format, for `subject` ('' = anonymous), cut down to its grants. */
async function issue(
  registry: Registry,
  subject: string,
  service: string,
  scopes: ResourceScope[] | undefined,
) {
  const iat = seconds(registry);
  const lifetime = registry.modes.tokenLifetimeSeconds;
  const access = cutScopes(scopes ?? [], allowedBy(grantsOf(registry, subject)));
  let token: string;
  if (registry.modes.tokenFormat === "jwt") {
    token = await registry.signer.sign(registryClaims(subject, service, access, iat, lifetime));
  } else {
    for (const [known, held] of registry.opaque) if (held.exp <= iat) registry.opaque.delete(known);
    token = randomBase62(OPAQUE_TOKEN_LENGTH);
    registry.opaque.set(token, { sub: subject, aud: service, iat, exp: iat + lifetime, access });
  }
  return { token, expiresIn: lifetime, issuedAt: rfc3339(iat), granted: access };
}

/** The claims of a token this server issued and that is valid now; throws otherwise. */
async function verifyToken(registry: Registry, token: string): Promise<Record<string, unknown>> {
  if (looksLikeJwt(token)) return registry.signer.verify(token, registry.clock.now());
  const held = registry.opaque.get(token);
  const now = seconds(registry);
  if (held === undefined || !(held.iat <= now && now < held.exp)) {
    throw new Error("unknown or expired opaque token");
  }
  return { ...structuredClone(held) };
}

/** The `{origin}` part of the realm: the host the client asked for (when sane), else the emulator's. */
function realmOf(request: RouteRequest): string {
  const host = headerValue(request.headers, "host") ?? "";
  const origin = /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `${request.scheme}://${host}` : request.origin;
  return `${origin}${REALM_PATH}`;
}

/** The routes of the token server and of the registry's challenge. */
function registryRoutes(registry: Registry): Route[] {
  return routesOf<Registry>(registry, [
    ["registry.challenge", "*", "/v2/*", challenge],
    ["registry.tokenGet", "GET", REALM_PATH, tokenGet],
    ["registry.tokenPost", "POST", REALM_PATH, tokenPost],
  ]);
}

/** The access a `Bearer` token holds for `service`; undefined without a valid token for it. */
async function bearerAccess(
  registry: Registry,
  request: RouteRequest,
  service: string,
): Promise<ResourceScope[] | undefined> {
  const [scheme = "", token = ""] = headerValue(request.headers, "authorization")?.trim().split(/\s+/) ?? [];
  if (scheme.toLowerCase() !== "bearer") return undefined;
  try {
    const claims = await verifyToken(registry, token);
    if (claims.aud === service) return Array.isArray(claims.access) ? claims.access : [];
  } catch {
    // an invalid token is no token
  }
  return undefined;
}

/** `/v2/` and `/v2/…`, any method: the registry's challenge, or what a covering token gets. */
async function challenge(registry: Registry, request: RouteRequest): Promise<RouteResponse> {
  const service = registry.modes.service;
  const required = requiredScope(request.method, request.params["*"] ?? "");
  const header = (error?: string) =>
    `Bearer realm="${realmOf(request)}",service="${service}"` +
    (required === undefined ? "" : `,scope="${formatScopes([required])}"`) +
    (error === undefined ? "" : `,error="${error}"`);
  const access = await bearerAccess(registry, request, service);
  if (access === undefined) {
    return {
      ...registryError(401, "UNAUTHORIZED", "authentication required"),
      headers: { ...API_VERSION, "www-authenticate": header() },
    };
  }
  if (required === undefined) return reply(200, {}, API_VERSION);
  if (!covers(access, required)) {
    return {
      ...registryError(401, "DENIED", "requested access to the resource is denied"),
      headers: { ...API_VERSION, "www-authenticate": header("insufficient_scope") },
    };
  }
  if (required.type === "registry") return reply(200, { repositories: [] }, API_VERSION);
  return registryError(404, "NAME_UNKNOWN", "repository name not known to registry");
}

/** `GET /auth/token`: a token for Basic credentials or anonymous, in the answer shape of the mode. */
async function tokenGet(registry: Registry, request: RouteRequest): Promise<RouteResponse> {
  const service = request.query.get("service") ?? "";
  if (service === "") return registryError(400, "UNSUPPORTED", "a service is required");
  const requested = parseScopes(request.query.getAll("scope"));
  if (requested === undefined) return registryError(400, "UNSUPPORTED", "invalid scope");
  const authorization = headerValue(request.headers, "authorization");
  let subject = "";
  if (authorization !== undefined) {
    const basic = basicCredentials(authorization);
    if (basic === undefined || !checkPassword(registry, basic.username, basic.password))
      return unauthorized();
    subject = basic.username;
  }
  const issued = await issue(registry, subject, service, requested);
  if (registry.modes.answer === "docker_auth")
    return reply(200, { token: issued.token, access_token: issued.token });
  const answer: Record<string, unknown> = {
    token: issued.token,
    access_token: issued.token,
    expires_in: issued.expiresIn,
    issued_at: issued.issuedAt,
  };
  if (subject !== "" && request.query.get("offline_token") === "true") {
    answer.refresh_token = registry.refreshTokens.issue(subject);
  }
  return reply(200, answer);
}

/** `POST /auth/token`: the OAuth2 form, or 404/405 when the modes say the server has no OAuth2. */
async function tokenPost(registry: Registry, request: RouteRequest): Promise<RouteResponse> {
  // Token servers without OAuth2 (docker_auth among them) refuse POST; clients then fall back to GET
  // (oauth.md says 404; some servers answer 405).
  if (registry.modes.oauth2 === "405") {
    return {
      ...registryError(405, "UNSUPPORTED", "method not allowed"),
      headers: { allow: "GET" },
    };
  }
  if (registry.modes.oauth2 === "404" || registry.modes.answer === "docker_auth") {
    return registryError(404, "NOT_FOUND", "not found");
  }
  return oauthPost(request, {
    checkPassword: (username, password) => checkPassword(registry, username, password),
    refreshTokens: registry.refreshTokens,
    issue: (subject, service, scopes) => issue(registry, subject, service, scopes),
    answerScope: "granted",
  });
}

/** What tests may do behind the API's back: read and change the modes, revoke refresh tokens, verify tokens. */
function registryControl(registry: Registry): RegistryControl {
  return {
    modes: () => ({ ...registry.modes }),
    setModes(changes) {
      const next = { ...registry.modes, ...changes };
      validateModes(next);
      registry.modes = next;
    },
    resetModes() {
      registry.modes = { ...DEFAULT_MODES };
    },
    revokeRefreshTokens: () => registry.refreshTokens.revokeAll(),
    verifyToken: (token) => verifyToken(registry, token),
    registrySigningKey: () => registry.signer.signingKey(),
  };
}
