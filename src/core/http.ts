/**
 * The one HTTP policy every vendor uses, on top of got.
 *
 * - A request timeout is always set.
 * - GET and DELETE are retried on 408, 5xx and network errors, with exponential backoff that
 *   honours `Retry-After`. POST is never retried unless the caller declares it `idempotent`: a
 *   retried create could issue a second token.
 * - 429 (rate limited) is waited out, for as long as {@link RATE_LIMIT_PATIENCE_MS}: every request of
 *   the process with the same credential at the same API goes through one {@link Pacer}, which learns
 *   the pace the server allows (some APIs' 429 carries no `Retry-After`) and can be capped by
 *   `requestsPerMinute`. A POST is sent again after a 429 only if the caller says (`retryStatuses`)
 *   that the server refuses before doing anything.
 * - Failures become the package's error classes; their `cause` is a scrubbed copy of got's error,
 *   because got's own error carries the request options, headers included.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ExtendOptions, Got, OptionsInit } from "got";
import { z } from "zod";
import {
  ApiNetworkError,
  ApiResponseError,
  ApiTimeoutError,
  InvalidResponseError,
  type RequestTarget,
  TlsVerificationError,
  type Vendor,
} from "../errors.ts";
import { notice } from "./log.ts";
import { once } from "./once.ts";
import { redact, redactUrl } from "./redact.ts";

/** How to reach one vendor's API. */
export interface HttpClientOptions {
  vendor: Vendor;
  /** Base URL of the API, e.g. `https://api.example.com`. */
  baseUrl: string;
  /** Full `Authorization` header value sent on every request unless a request overrides it. */
  authorization?: string | undefined;
  /** PEM of the CA that signed the server certificate, for private endpoints. */
  caCertificate?: string | undefined;
  /** Skip server certificate verification. Dangerous; callers must warn. */
  insecureSkipTlsVerify?: boolean | undefined;
  /** Pulls the API's own message out of a JSON error body. */
  describeError?: ((body: unknown) => string | undefined) | undefined;
  /** Extra secrets (besides the Authorization value) that must be scrubbed from error text. */
  secrets?: readonly (string | undefined)[] | undefined;
  /** Per-attempt timeout. Default 15 000 ms. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt, for retryable requests. Default 3. */
  retryLimit?: number | undefined;
  /** First backoff delay; doubles on each retry, capped at 10 s. Default 500 ms. */
  retryBaseDelayMs?: number | undefined;
  /**
   * At most this many requests per minute per credential, spaced evenly, whatever the server
   * answers; undefined: as fast as the server allows (learned from its 429s).
   */
  requestsPerMinute?: number | undefined;
}

/** One API call. */
export interface HttpRequest<T> {
  /** Human-readable action for error messages, e.g. "create personal access token". */
  action: string;
  method: "GET" | "POST" | "DELETE";
  /** Path below the base URL, starting with "/". */
  path: string;
  json?: unknown;
  form?: Record<string, string>;
  searchParams?: URLSearchParams;
  /** Overrides the client's `Authorization` value for this request. */
  authorization?: string | undefined;
  /** Schema of a successful body. Omit for bodies you ignore. */
  schema?: z.ZodType<T>;
  /** Statuses returned to the caller instead of thrown, e.g. `[404]` for a delete. */
  accept?: readonly number[];
  /** Response headers to return (lower-case names), e.g. `["www-authenticate"]` for an accepted 401. */
  responseHeaders?: readonly string[];
  /** POST only: repeating the request has no lasting effect, so it may be retried. */
  idempotent?: boolean;
  /**
   * POST only: statuses at which the server did nothing, so the request may be sent again (e.g.
   * `[429]` when a rate limiter refuses before any work). Network errors and timeouts are never
   * retried under this option: the server may have acted.
   */
  retryStatuses?: readonly number[];
}

/** The outcome of a call whose status was 2xx or in `accept`. */
export interface HttpResponse<T> {
  status: number;
  /** The parsed body for a 2xx answer with a schema; undefined otherwise. */
  body: T;
  /** For an accepted non-2xx status: the API's own error text, if its body had one (scrubbed). */
  apiMessage?: string | undefined;
  /** The response headers the request named in `responseHeaders`, when it named any. */
  headers?: Record<string, unknown>;
}

/** A configured client for one vendor. */
export interface HttpClient {
  request<T = undefined>(request: HttpRequest<T>): Promise<HttpResponse<T>>;
}

/** Test-only overrides of timeouts and backoff, for every client created afterwards. */
export interface HttpTuning {
  timeoutMs?: number;
  retryBaseDelayMs?: number;
}

let tuning: HttpTuning = {};

/** Overrides timeouts and backoff of clients created from now on (tests); returns a restore function. */
export function tuneHttpClients(next: HttpTuning): () => void {
  const previous = tuning;
  tuning = next;
  return () => {
    tuning = previous;
  };
}

const RETRY_STATUSES = [408, 500, 502, 503, 504, 521, 522, 524];
/** No API answer this package reads is anywhere near this size: a larger body is refused unread. */
const MAX_BODY_BYTES = 1024 * 1024;
/** How long one request waits out 429s before it fails: a slow limit (some self-hosted servers: 6 a minute) must pass. */
export const RATE_LIMIT_PATIENCE_MS = 15 * 60_000;
/** A `Retry-After` longer than this is not waited for. */
const MAX_RETRY_AFTER_MS = 60_000;
/** The slowest pace learned from 429s: one request per minute. */
const MAX_INTERVAL_MS = 60_000;
/** A wait longer than this is worth a progress line; at most one line per this long, per pacer. */
const PROGRESS_EVERY_MS = 10_000;

/**
 * The pace of one credential at one API, shared by every request of the process (with dynamic
 * providers, every resource of the stack runs in one provider process). Without a 429 or a cap,
 * requests pass at once. After a 429 without `Retry-After` requests go one at a time,
 * spaced by an interval that doubles on each 429 and shrinks by a tenth on each success: it settles
 * near the server's refill rate, at the cost of an occasional refused request (refused before any
 * work, so sending it again is safe).
 */
class Pacer {
  #learnedMs = 0;
  readonly #floorMs: number;
  #next = 0;
  readonly #queue: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastProgress = 0;
  #refused = 0;
  #slowedAt = 0;
  readonly #vendor: Vendor;

  constructor(vendor: Vendor, requestsPerMinute: number | undefined) {
    this.#vendor = vendor;
    this.#floorMs = requestsPerMinute ? 60_000 / requestsPerMinute : 0;
  }

  get intervalMs(): number {
    return Math.max(this.#floorMs, this.#learnedMs);
  }

  /** Resolves when the next request may go. */
  acquire(): Promise<void> {
    if (this.intervalMs === 0 && this.#queue.length === 0 && this.#next <= Date.now())
      return Promise.resolve();
    return new Promise((resolve) => {
      this.#queue.push(resolve);
      this.#pump();
    });
  }

  /**
   * A 429 to a request sent at `sentAt`: slow down (or wait `retryAfterMs`, when the server says). Only
   * once per pace: the other refusals of requests sent before this slowdown say nothing new.
   */
  refused(sentAt: number, retryAfterMs: number | undefined): void {
    this.#refused++;
    if (sentAt >= this.#slowedAt) {
      this.#slowedAt = Date.now();
      this.#learnedMs = Math.min(MAX_INTERVAL_MS, Math.max(1_000, this.#learnedMs * 2));
    }
    this.#next = Math.max(this.#next, Date.now() + Math.max(this.intervalMs, retryAfterMs ?? 0));
  }

  /** Any answer but 429. */
  passed(): void {
    if (this.#learnedMs === 0) return;
    this.#learnedMs *= 0.9;
    if (this.#learnedMs < 100) this.#learnedMs = 0;
  }

  #pump(): void {
    if (this.#timer !== undefined || this.#queue.length === 0) return;
    const now = Date.now();
    const wait = Math.max(0, this.#next - now);
    if (wait >= 2_000 && now - this.#lastProgress >= PROGRESS_EVERY_MS) {
      this.#lastProgress = now;
      const pace = `1 request every ${(this.intervalMs / 1000).toFixed(1)} s`;
      const why =
        this.#refused > 0
          ? `the API is rate limiting this credential (${this.#refused} request(s) refused with HTTP 429 so far); pacing to ${pace}`
          : `pacing to ${pace} (requestsPerMinute)`;
      notice(this.#vendor, `${why}; ${this.#queue.length} request(s) waiting`);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#next = Date.now() + this.intervalMs;
      this.#queue.shift()?.();
      this.#pump();
    }, wait);
  }
}

/** Pacers by API, credential and cap; for the life of the process. */
const pacers = new Map<string, Pacer>();

function pacerFor(
  vendor: Vendor,
  base: string,
  authorization: string | undefined,
  rpm: number | undefined,
): Pacer {
  const key = `${vendor} ${base} ${rpm ?? ""} ${createHash("sha256")
    .update(authorization ?? "")
    .digest("hex")}`;
  let pacer = pacers.get(key);
  if (!pacer) {
    pacer = new Pacer(vendor, rpm);
    pacers.set(key, pacer);
  }
  return pacer;
}
const TLS_CODES = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

type GotModule = typeof import("got");
/**
 * got, loaded on the first request: a run that only checks and diffs (a plain `pulumi up` with
 * nothing due) never loads it, and its provider process starts faster.
 */
const loadGot = once((): Promise<GotModule> => import("got"));

/**
 * got instances by their settings. Every resource opens its own client, and hundreds of resources of a
 * stack share a few settings: extending got once per settings keeps each call cheap.
 */
const instances = new Map<string, Got>();

/** The got instance for `settings`, whose varying values `key` names; made on first use. */
async function sharedInstance(key: string, settings: ExtendOptions): Promise<Got> {
  const got = await loadGot();
  let instance = instances.get(key);
  if (!instance) {
    instance = got.default.extend(settings);
    instances.set(key, instance);
  }
  return instance;
}

/** Creates the got instance and error mapping for one vendor. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const timeoutMs = options.timeoutMs ?? tuning.timeoutMs ?? 15_000;
  const baseDelayMs = options.retryBaseDelayMs ?? tuning.retryBaseDelayMs ?? 500;
  const base = options.baseUrl.replace(/\/+$/, "");
  const retryLimit = options.retryLimit ?? 3;
  // Everything in `settings` that varies: the CA and TLS choice, and the tuning the retry delays use.
  const key = JSON.stringify([
    timeoutMs,
    baseDelayMs,
    retryLimit,
    options.caCertificate,
    options.insecureSkipTlsVerify,
  ]);
  const settings: ExtendOptions = {
    timeout: { request: timeoutMs },
    retry: {
      limit: retryLimit,
      methods: ["GET", "DELETE"],
      statusCodes: RETRY_STATUSES,
      maxRetryAfter: MAX_RETRY_AFTER_MS,
      calculateDelay: ({ computedValue, retryAfter, attemptCount }) => {
        if (computedValue === 0) return 0;
        if (attemptCount > retryLimit) return 0;
        if (retryAfter !== undefined) return Math.max(1, retryAfter);
        return Math.min(baseDelayMs * 2 ** (attemptCount - 1), 10_000) + Math.random() * 50;
      },
    },
    https: {
      ...(options.caCertificate ? { certificateAuthority: options.caCertificate } : {}),
      rejectUnauthorized: !options.insecureSkipTlsVerify,
    },
    headers: { "user-agent": "pulumi-tokens", accept: "application/json" },
    responseType: "text",
  };
  const client = once(async () => ({ instance: await sharedInstance(key, settings), got: await loadGot() }));

  return {
    async request<T>(request: HttpRequest<T>): Promise<HttpResponse<T>> {
      const url = `${base}${request.path}`;
      const target: RequestTarget = {
        vendor: options.vendor,
        action: request.action,
        method: request.method,
        url: redactUrl(url),
      };
      const authorization = request.authorization ?? options.authorization;
      const secrets = [authorization, authorization?.split(" ")[1], ...(options.secrets ?? [])];
      const postRetries = (request.retryStatuses ?? []).filter((status) => status !== 429);
      const init: OptionsInit = {
        method: request.method,
        // got still runs its retry loop on non-2xx; this only makes it resolve with the last answer.
        throwHttpErrors: false,
        ...(authorization ? { headers: { authorization } } : {}),
        ...(request.json !== undefined ? { json: request.json } : {}),
        ...(request.form ? { form: request.form } : {}),
        ...(request.searchParams ? { searchParams: request.searchParams } : {}),
        ...(request.method === "POST" && request.idempotent ? { retry: { methods: ["POST"] } } : {}),
        ...(request.method === "POST" && !request.idempotent && postRetries.length > 0
          ? { retry: { methods: ["POST"], statusCodes: postRetries, errorCodes: [] } }
          : {}),
      };
      const pacer = pacerFor(options.vendor, base, authorization, options.requestsPerMinute);
      const waitsOutRateLimit =
        request.method !== "POST" ||
        request.idempotent === true ||
        request.retryStatuses?.includes(429) === true;
      const patience = Date.now() + RATE_LIMIT_PATIENCE_MS;
      const { instance, got } = await client();
      const send = async () => {
        // A hostile or broken server must not make the provider read an unbounded body.
        const abort = new AbortController();
        let tooLarge = false;
        try {
          const pending = instance(url, { ...init, signal: abort.signal });
          pending.on("downloadProgress", ({ transferred }: { transferred: number }) => {
            if (transferred > MAX_BODY_BYTES && !tooLarge) {
              tooLarge = true;
              abort.abort();
            }
          });
          return (await pending) as unknown as {
            statusCode: number;
            body: string;
            headers: Record<string, unknown>;
          };
        } catch (error) {
          if (tooLarge)
            throw new InvalidResponseError(target, `the body is larger than ${MAX_BODY_BYTES} bytes`);
          throw toNetworkError(got, error, target, timeoutMs, secrets);
        }
      };
      let response: { statusCode: number; body: string; headers: Record<string, unknown> };
      for (;;) {
        await pacer.acquire();
        const sentAt = Date.now();
        response = await send();
        if (response.statusCode !== 429) {
          pacer.passed();
          break;
        }
        const retryAfterMs = retryAfter(response.headers["retry-after"]);
        pacer.refused(
          sentAt,
          retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS),
        );
        if (!waitsOutRateLimit || Date.now() >= patience || (retryAfterMs ?? 0) > MAX_RETRY_AFTER_MS) break;
      }
      const { statusCode, body } = response;
      const headers = request.responseHeaders
        ? {
            headers: Object.fromEntries(
              request.responseHeaders.map((name) => [name, response.headers[name]]),
            ),
          }
        : {};
      if (statusCode >= 200 && statusCode < 300) {
        return { status: statusCode, body: parseBody(request.schema, body, target) as T, ...headers };
      }
      const described = options.describeError?.(parseJsonOrUndefined(body));
      const apiMessage = described ? redact(described, secrets) : undefined;
      if (request.accept?.includes(statusCode))
        return { status: statusCode, body: undefined as T, apiMessage, ...headers };
      throw new ApiResponseError(target, statusCode, apiMessage);
    },
  };
}

/** `Retry-After` in milliseconds (seconds or an HTTP date); undefined when absent or unreadable. */
function retryAfter(value: unknown): number | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function parseBody<T>(schema: z.ZodType<T> | undefined, text: string, target: RequestTarget): T | undefined {
  if (!schema) return undefined;
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    throw new InvalidResponseError(target, "the body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidResponseError(target, z.prettifyError(parsed.error).replace(/\s*\n\s*/g, " "));
  }
  return parsed.data;
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toNetworkError(
  { RequestError }: GotModule,
  error: unknown,
  target: RequestTarget,
  timeoutMs: number,
  secrets: readonly (string | undefined)[],
): Error {
  if (!(error instanceof RequestError)) return error instanceof Error ? error : new Error(String(error));
  const cause = new Error(redact(error.message, secrets));
  cause.name = error.name;
  Object.assign(cause, { code: error.code });
  if (error.name === "TimeoutError") return new ApiTimeoutError(target, timeoutMs, { cause });
  if (TLS_CODES.has(error.code)) return new TlsVerificationError(target, error.code, { cause });
  return new ApiNetworkError(target, error.code, { cause });
}
