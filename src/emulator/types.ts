/**
 * Public types of the emulator (`pulumi-tokens/emulator`).
 *
 * The emulator is a second, independent implementation of the NetBird, Gcore and ICP APIs, written from
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
export type EmulatorVendor = "netbird" | "gcore" | "icp";

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

/** See {@link IcpControl.registrySigningKey}. */
export interface RegistrySigningKey {
  kid: string;
  jwks: { keys: Record<string, unknown>[] };
  certificatePem: string;
}
