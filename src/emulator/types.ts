/**
 * Public types of the emulator (`pulumi-tokens/emulator`).
 *
 * The emulator is a second, independent implementation of the NetBird, Gcore and ICP APIs and of a generic
 * Docker registry token server (distribution spec auth/*.md), written from
 * shared/docs/api-notes.md. It shares no code with the clients in src/core, src/netbird, src/gcore, src/icp.
 */

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Serve HTTPS with a CA generated in-process (default false = plain HTTP). */
  tls?: boolean;
  /**
   * Initial frozen clock. Default: env `PULUMI_TOKENS_NOW` (RFC 3339) if set, else real time.
   * An invalid value (here or in the env var) makes {@link startEmulator} throw.
   */
  now?: Date | string;
  /** TCP port on 127.0.0.1 (default 0 = any free port). */
  port?: number;
}

/** The vendor an emulated route belongs to. */
export type EmulatorVendor = "netbird" | "gcore" | "icp" | "registry";

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  /** PEM of the generated CA when `tls` is on, else undefined. */
  readonly caCertificate: string | undefined;
  /**
   * A server certificate (PEM certificate and key) for the given names, signed by the emulator's CA, so that a
   * real server run beside the emulator (e.g. a registry) is trusted by the same CA. Rejects without `tls`.
   */
  issueCertificate(names: {
    dnsNames: string[];
    ipAddresses: string[];
  }): Promise<{ certificatePem: string; privateKeyPem: string }>;
  /** Credentials seeded at start (secrets are random per start). */
  readonly seeds: EmulatorSeeds;
  /** The clock behind every time the emulator uses. */
  readonly clock: EmulatorClock;
  /** Every request, in order (a snapshot copy). */
  readonly requests: readonly RequestLogEntry[];
  /** The logged requests of one vendor, in order. */
  requestsFor(vendor: EmulatorVendor): RequestLogEntry[];
  /** Empties the request log. */
  clearRequests(): void;
  /** Fault injection by route name. */
  readonly faults: FaultInjector;
  /** NetBird state, behind the API's back. */
  readonly netbird: NetbirdControl;
  /** Gcore state, behind the API's back. */
  readonly gcore: GcoreControl;
  /** ICP state, behind the API's back. */
  readonly icp: IcpControl;
  /** The generic Docker registry token server: its modes and state, behind the API's back. */
  readonly registry: RegistryControl;
  /** Closes all connections and the server. */
  close(): Promise<void>;
}

/**
 * The emulator clock. It is either frozen (after `set`, or when started with a `now`) or real time plus an
 * offset (`advance` in real-time mode shifts the offset and the clock keeps ticking).
 */
export interface EmulatorClock {
  /** Current emulator time. */
  now(): Date;
  /** Freezes the clock at `at` (a Date or an RFC 3339 string). */
  set(at: Date | string): void;
  /** Moves the clock forward (or backward, if negative) by `ms`. */
  advance(ms: number): void;
  /** Back to real time, with no offset. */
  useRealTime(): void;
}

/** One logged request. Headers and bodies are never logged. */
export interface RequestLogEntry {
  vendor: EmulatorVendor | "unknown";
  /** Route name, e.g. `netbird.createToken`, or `unknown`. */
  route: string;
  method: string;
  /** URL path without the query string. */
  path: string;
  /** Status sent, or 0 when the connection was dropped. */
  status: number;
  /** Emulator-clock time (ISO 8601) when the request arrived. */
  at: string;
}

/** A fault to inject into the next request(s) of a route. */
export type FaultKind =
  /** Answer with this status instead of handling (body default: the vendor's error shape). */
  | { kind: "status"; status: number; body?: unknown; retryAfter?: number }
  /** Wait, then handle normally. */
  | { kind: "delay"; ms: number }
  /** Destroy the socket before handling: the request has no effect. */
  | { kind: "drop" }
  /** Handle fully (state changes happen), then destroy the socket instead of answering: a lost response. */
  | { kind: "drop-after" }
  /** Handle fully (state changes happen), then wait before answering: a slow response, e.g. to kill a client mid-call. */
  | { kind: "delay-after"; ms: number }
  /** Handle fully (state changes happen), then answer 200 with a malformed JSON body. */
  | { kind: "bad-json" };

/** Injects faults by route name (see the route names in docs/testing.md and server.ts). */
export interface FaultInjector {
  /** Affects the next `count` (default 1; `Infinity` allowed) requests of the route `route`. */
  inject(route: string, fault: FaultKind, count?: number): void;
  /** Removes every pending fault. */
  clear(): void;
}

/** Credentials seeded at each start. Ids are fixed, secrets are random. */
export interface EmulatorSeeds {
  netbird: {
    accountId: string;
    /** An `admin` user of the account. */
    adminUserId: string;
    /** The admin's own PAT (valid `nbp_` token, 365 days). */
    adminToken: string;
    /** `svc-ci`, a service user in the same account. */
    serviceUserId: string;
    /** A user with role `user`: may not manage PATs (403 "permission denied"). */
    plainUserId: string;
    plainUserToken: string;
    /** A user in another account. */
    foreignUserId: string;
  };
  gcore: {
    resellerUserId: number;
    /** Permanent API token `<id>_<secret>` of the reseller user. */
    resellerApiKey: string;
    clientId: number;
    /** 1234, user_type "common", a user of `clientId` (a client of the reseller). */
    userId: number;
    userEmail: string;
    userPassword: string;
    /** Permanent API token of the common user (not a reseller: 403 on userToken). */
    commonApiKey: string;
  };
  icp: {
    username: string;
    password: string;
    /** `mycluster.icp`. */
    host: string;
    /** The user may pull and push these repositories, and nothing else. */
    repositories: string[];
  };
  /**
   * The generic token server: `GET /v2/` challenges with realm `<emulator origin>/auth/token` and `service`.
   * Each account's `grants` are scopes in the spec's grammar (`*` in a name matches anything, `*` as the action
   * allows every action): requests are cut down to them.
   */
  registry: {
    /** `registry.emulator`: the default service (the tokens' `aud`) the emulator's own `/v2/` wants. */
    service: string;
    /** `/auth/token`: the token endpoint's path (the realm is the emulator's origin + this). */
    realmPath: string;
    /** `ci`: pull, push on `team/app`. */
    ci: RegistryAccountSeed;
    /** `reader`: pull on `team/app`. */
    reader: RegistryAccountSeed;
    /** `robot$ci`, a Harbor-style robot account: pull, push on `team/app`. */
    robot: RegistryAccountSeed;
    /** `admin`: every action on every repository, and `registry:catalog:*`. */
    admin: RegistryAccountSeed;
    /** Anonymous requests (no Authorization) get pull on `public/*`. */
    anonymousGrants: string[];
    /** `public/base`, a repository anonymous may pull. */
    publicRepository: string;
  };
}

/** A seeded account of the generic token server. */
export interface RegistryAccountSeed {
  username: string;
  password: string;
  /** What it may do, as scopes (`repository:team/app:pull,push`). */
  grants: string[];
}

/** A NetBird PAT as seen by {@link NetbirdControl.tokens}. */
export interface NetbirdTokenInfo {
  id: string;
  name: string;
  expirationDate: string;
  createdAt: string;
  createdBy: string;
  lastUsed?: string;
}

/** NetBird state access for tests. */
export interface NetbirdControl {
  /** The PATs of a user (including expired ones), oldest first. */
  tokens(userId: string): NetbirdTokenInfo[];
  /** Deletes a PAT; false if it did not exist. */
  deleteToken(userId: string, tokenId: string): boolean;
  /** Would this token authenticate now (format, checksum, exists, not expired)? Does NOT mark it used. */
  authenticate(plainToken: string): boolean;
  /**
   * Puts back a PAT that existed at an earlier emulator run (e.g. one a saved Pulumi state refers to): same id,
   * same plain token, same dates. Throws if the token is malformed, the user is unknown or the id is taken.
   */
  seedToken(token: NetbirdTokenInfo & { userId: string; plainToken: string }): void;
  /** Per-PAT token bucket (emulator clock); undefined turns it off. 429 `{"message":"too many requests"}`. */
  setRateLimit(limit: { rpm: number; burst: number } | undefined): void;
}

/** Gcore state access for tests. */
export interface GcoreControl {
  /** Marks a user deleted: 404 on getUser/userToken, and its credentials stop authenticating. */
  deleteUser(userId: number): void;
  /** Blacklists a refresh token (by its jti), as if it had been used. Throws if it is not a JWT with a jti. */
  blacklistRefreshToken(refreshToken: string): void;
  /** Is this refresh token's jti blacklisted? False for anything that is not a JWT with a jti. */
  isRefreshTokenBlacklisted(refreshToken: string): boolean;
  /** Verifies signature, token_type "access" and exp (emulator clock); returns the claims, throws if invalid. */
  verifyAccessToken(token: string): Promise<Record<string, unknown>>;
}

/** ICP state access for tests. */
export interface IcpControl {
  /** Verifies signature, iss, nbf and exp (emulator clock) of a registry token; returns its claims. */
  verifyRegistryToken(token: string): Promise<Record<string, unknown>>;
  /**
   * The registry token signing key as a registry is configured to trust it: `issuer` is `registry-token-issuer`;
   * `jwks` holds the public key under the tokens' `kid` (distribution's `auth.token.jwks`); `certificatePem` is a
   * self-signed certificate of the same key (a `rootcertbundle`; distribution v3 matches those by RFC 7638
   * thumbprint, which the libtrust `kid` is not, so use the JWKS with v3).
   */
  registrySigningKey(): RegistrySigningKey;
  /** Turns the OAuth2 POST form of the token endpoint on (default) or off (then POST answers 404). */
  setOAuth2(enabled: boolean): void;
}

/**
 * The generic token server's modes ({@link RegistryControl.setModes}). Each answers as a family of real token
 * servers does, so that a client can be proven against each.
 */
export interface RegistryModes {
  /**
   * `distribution` (default): the spec's answer: GET `{token, access_token, expires_in, issued_at,
   * refresh_token?}`, OAuth2 POST per `oauth2`. `docker_auth`: as cesanta/docker_auth: GET `{token, access_token}`
   * only (no `expires_in`: a client takes the expiry from the JWT's `exp`), no refresh tokens, and POST is
   * refused (404, or 405 when `oauth2` is `"405"`).
   */
  answer: "distribution" | "docker_auth";
  /**
   * `jwt` (default): RS256 JWTs a real registry verifies. `opaque`: a random base62 string of 48 characters; the
   * emulator remembers its expiry, access and service for its own `/v2/` (a real registry refuses it: distribution
   * verifies JWTs only).
   */
  tokenFormat: "jwt" | "opaque";
  /**
   * `on` (default): the OAuth2 POST form. `404` / `405`: POST answers that status, as token servers without OAuth2
   * do, so a client's fall back to GET can be proven.
   */
  oauth2: "on" | "404" | "405";
  /** Lifetime of issued tokens, in seconds (a positive integer; default 300). */
  tokenLifetimeSeconds: number;
  /** The service (`aud`) the emulator's own `/v2/` challenges with and accepts (default `registry.emulator`). */
  service: string;
}

/** The generic token server's state access for tests. */
export interface RegistryControl {
  /** The current modes (a copy). */
  modes(): RegistryModes;
  /** Changes some modes (the rest stay); throws on an invalid value. */
  setModes(modes: Partial<RegistryModes>): void;
  /** Back to the default modes. */
  resetModes(): void;
  /** Revokes every refresh token issued so far (a later refresh_token grant gets 400 invalid_grant); returns how many. */
  revokeRefreshTokens(): number;
  /**
   * Verifies a token the server issued: a JWT's signature, iss, nbf and exp; an opaque token's expiry. Returns
   * its claims (for an opaque token what the server remembers: sub, aud, exp, iat, access); throws if invalid.
   */
  verifyToken(token: string): Promise<Record<string, unknown>>;
  /** The signing key, the same as {@link IcpControl.registrySigningKey}: one registry config trusts both. */
  registrySigningKey(): RegistrySigningKey;
}

/** See {@link IcpControl.registrySigningKey}. */
export interface RegistrySigningKey {
  kid: string;
  jwks: { keys: Record<string, unknown>[] };
  certificatePem: string;
}
