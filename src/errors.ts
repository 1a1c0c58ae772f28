/**
 * Error classes thrown by pulumi-tokens providers.
 *
 * Every error has a stable `code` (switch on it), a `vendor` and a one-line message that names the
 * vendor, the action and the result. Nothing secret is ever placed in `message`, in an enumerable
 * field or in `cause`: no token, no `Authorization` header, no request or response body.
 *
 * @module
 */

/**
 * The module of the token kind an error is about (`netbird`, `gcore`, `icp`, `registry`, …: the kinds of
 * src/kinds.ts). Switch on `code`, not on this: new kinds add modules.
 */
export type Vendor = string;

/** Every error code thrown by this package. */
export type ErrorCode =
  | "ERR_API_RESPONSE"
  | "ERR_API_TIMEOUT"
  | "ERR_API_NETWORK"
  | "ERR_TLS_VERIFICATION"
  | "ERR_INVALID_RESPONSE"
  | "ERR_MISSING_CREDENTIALS"
  | "ERR_INVALID_CREDENTIALS"
  | "ERR_INVALID_STATE"
  | "ERR_ADOPTION"
  | "ERR_INVALID_CLOCK";

/** Base class of every error this package throws. */
export abstract class TokenError extends Error {
  /** Stable machine-readable code. */
  abstract readonly code: ErrorCode;
  /** The vendor whose API or configuration failed. */
  readonly vendor: Vendor | undefined;

  constructor(message: string, vendor: Vendor | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.vendor = vendor;
  }
}

/** Where an HTTP call went; the URL never carries credentials or a query string. */
export interface RequestTarget {
  vendor: Vendor;
  /** Human-readable action, e.g. "create personal access token". */
  action: string;
  method: string;
  /** Origin + path only. */
  url: string;
}

/** The API answered with a non-2xx status (after any retries). */
export class ApiResponseError extends TokenError {
  readonly code = "ERR_API_RESPONSE";
  readonly action: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** The API's own error text, when its body had one (already scrubbed of secrets). */
  readonly apiMessage: string | undefined;

  constructor(
    target: RequestTarget,
    status: number,
    apiMessage: string | undefined,
    options?: { cause?: unknown },
  ) {
    const detail = apiMessage ? `: ${apiMessage}` : "";
    super(
      `${target.vendor}: ${target.action} failed with HTTP ${status}${detail} (${target.method} ${target.url})`,
      target.vendor,
      options,
    );
    this.action = target.action;
    this.method = target.method;
    this.url = target.url;
    this.status = status;
    this.apiMessage = apiMessage;
  }
}

/** The API did not answer in time (after any retries). */
export class ApiTimeoutError extends TokenError {
  readonly code = "ERR_API_TIMEOUT";
  readonly action: string;
  readonly method: string;
  readonly url: string;

  constructor(target: RequestTarget, timeoutMs: number, options?: { cause?: unknown }) {
    super(
      `${target.vendor}: ${target.action} timed out after ${timeoutMs} ms (${target.method} ${target.url})`,
      target.vendor,
      options,
    );
    this.action = target.action;
    this.method = target.method;
    this.url = target.url;
  }
}

/** The connection failed (refused, reset, DNS, dropped mid-response). */
export class ApiNetworkError extends TokenError {
  readonly code = "ERR_API_NETWORK";
  readonly action: string;
  readonly method: string;
  readonly url: string;
  /** The system error code, e.g. "ECONNRESET". */
  readonly networkCode: string | undefined;

  constructor(target: RequestTarget, networkCode: string | undefined, options?: { cause?: unknown }) {
    super(
      `${target.vendor}: ${target.action} failed: network error ${networkCode ?? "(unknown)"} (${target.method} ${target.url})`,
      target.vendor,
      options,
    );
    this.action = target.action;
    this.method = target.method;
    this.url = target.url;
    this.networkCode = networkCode;
  }
}

/** The server's TLS certificate could not be verified. */
export class TlsVerificationError extends TokenError {
  readonly code = "ERR_TLS_VERIFICATION";
  readonly url: string;
  /** The TLS error code, e.g. "SELF_SIGNED_CERT_IN_CHAIN". */
  readonly tlsCode: string | undefined;

  constructor(target: RequestTarget, tlsCode: string | undefined, options?: { cause?: unknown }) {
    super(
      `${target.vendor}: ${target.action} failed: the server certificate of ${target.url} could not be verified ` +
        `(${tlsCode ?? "unknown TLS error"}); set "caCertificate" to the PEM of the CA that signed it`,
      target.vendor,
      options,
    );
    this.url = target.url;
    this.tlsCode = tlsCode;
  }
}

/** The API answered 2xx with a body that does not have the documented shape. */
export class InvalidResponseError extends TokenError {
  readonly code = "ERR_INVALID_RESPONSE";
  readonly action: string;
  readonly url: string;

  constructor(target: RequestTarget, problem: string) {
    super(
      `${target.vendor}: ${target.action} returned an unexpected response: ${problem} (${target.method} ${target.url})`,
      target.vendor,
    );
    this.action = target.action;
    this.url = target.url;
  }
}

/** No credential was found in the resource inputs, the stack config or the environment. */
export class MissingCredentialsError extends TokenError {
  readonly code = "ERR_MISSING_CREDENTIALS";
  readonly property: string;

  constructor(vendor: Vendor, property: string, sources: string) {
    super(`${vendor}: no ${property} found: set ${sources}`, vendor);
    this.property = property;
  }
}

/**
 * The API refused the credential this package authenticates with (revoked, deleted, expired or
 * wrong). Nothing is concluded about the tokens the stack tracks: they stay in state. The message
 * names the way back that works for where the credential came from: the engine runs `refresh` and
 * `destroy` with the provider configuration and the inputs saved at the last `up`, so a credential
 * changed in config reaches them only with `--run-program` (or after an `up`).
 */
export class InvalidCredentialsError extends TokenError {
  readonly code = "ERR_INVALID_CREDENTIALS";
  readonly property: string;
  /** Where the credential came from, e.g. `the stack config "netbird:apiToken"`. */
  readonly source: string;
  readonly status: number;

  constructor(vendor: Vendor, property: string, source: string, status: number, action: string) {
    super(
      `${vendor}: ${action} failed: the API refused the credential "${property}" from ${source} (HTTP ${status}); ` +
        `it was revoked, deleted or has expired, and nothing was removed from the state. ${recoveryFor(source)}`,
      vendor,
    );
    this.property = property;
    this.source = source;
    this.status = status;
  }
}

/** What to do after a refused credential, by where it came from. */
function recoveryFor(source: string): string {
  if (source.startsWith("the environment variable"))
    return "Set a valid one there and run the command again.";
  if (source.endsWith(" input"))
    return "Set a valid one in the program and run `pulumi up` first: `pulumi refresh` and `pulumi destroy` use the inputs saved at the last `pulumi up`.";
  return (
    "Set a valid one there, then run `pulumi up`, or `pulumi refresh --run-program` / `pulumi destroy --run-program`: " +
    "without `--run-program` they use the configuration saved at the last `pulumi up`."
  );
}

/** The stored state of a resource is missing a field this version needs, or holds a wrong value. */
export class InvalidStateError extends TokenError {
  readonly code = "ERR_INVALID_STATE";
  /** The resource's Pulumi id. */
  readonly resourceId: string;

  constructor(vendor: Vendor, resourceId: string, problem: string) {
    super(
      `${vendor}: the stored state of "${resourceId}" is unusable: ${problem}; ` +
        "remove the resource from the stack with `pulumi state delete <urn>` and, if a credential still exists at the API, revoke it there",
      vendor,
    );
    this.resourceId = resourceId;
  }
}

/** An existing token could not be adopted (it does not exist, does not match, or does not authenticate). */
export class AdoptionError extends TokenError {
  readonly code = "ERR_ADOPTION";
}

/** `PULUMI_TOKENS_NOW` is set but is not an RFC 3339 timestamp. */
export class InvalidClockError extends TokenError {
  readonly code = "ERR_INVALID_CLOCK";

  constructor(value: string) {
    super(
      `PULUMI_TOKENS_NOW must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z, got ${JSON.stringify(value.slice(0, 40))}`,
      undefined,
    );
  }
}

/** Type guard for any pulumi-tokens error. */
export function isTokenError(value: unknown): value is TokenError {
  return value instanceof TokenError;
}
