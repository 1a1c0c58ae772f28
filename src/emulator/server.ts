/**
 * The emulator server: one node:http(s) server on 127.0.0.1 serving NetBird (`/api/…`), Gcore (`/iam/…`), ICP
 * (`/idprovider/…`, `/image-manager/…`) and the generic registry token server (`/v2/…`, `/auth/token`), with
 * routing, the request log, fault injection and a body cap.
 *
 * Route names: netbird.currentUser, netbird.listTokens, netbird.createToken, netbird.getToken,
 * netbird.deleteToken, gcore.login, gcore.refresh, gcore.userToken, gcore.getUser, gcore.usersMe,
 * gcore.clientsMe, icp.identityToken, icp.registryToken, icp.oauthToken, registry.challenge, registry.tokenGet,
 * registry.tokenPost; anything else is `unknown` (404, in the
 * shape of the vendor owning the path when it declares one, see {@link VendorHttp}). An OPTIONS request that a
 * vendor with `cors: "allow-all"` routes is logged under the route it reaches (a preflight with status 204).
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createClock, initialNow } from "./clock.ts";
import { createFaultQueue, type FaultQueue } from "./faults.ts";
import { createGcore } from "./gcore.ts";
import { createIcp } from "./icp.ts";
import { createTokenSigner } from "./docker-token.ts";
import { createNetbird } from "./netbird.ts";
import { createRegistry } from "./registry.ts";
import {
  MAX_BODY_BYTES,
  type RawResponse,
  type Route,
  type RouteResponse,
  type VendorApi,
  type VendorHttp,
} from "./route.ts";
import {
  type CertificateAuthority,
  generateCertificateAuthority,
  issueServerCertificate,
  type ServerCertificate,
} from "./tls.ts";
import type { Emulator, EmulatorClock, EmulatorOptions, FaultKind, RequestLogEntry } from "./types.ts";

export { MAX_BODY_BYTES } from "./route.ts";

/** The body sent by a `bad-json` fault. */
const MALFORMED_JSON = '{"truncated": [1, 2,';

interface CompiledRoute {
  route: Route;
  api: VendorApi<unknown>;
  segments: string[];
}

interface Match {
  route: Route;
  api: VendorApi<unknown>;
  params: Record<string, string>;
}

function compile(apis: readonly VendorApi<unknown>[]): CompiledRoute[] {
  return apis.flatMap((api) => api.routes.map((route) => ({ route, api, segments: route.path.split("/") })));
}

function match(table: readonly CompiledRoute[], method: string, path: string): Match | undefined {
  const parts = path.split("/");
  for (const { route, api, segments } of table) {
    // With `cors: "allow-all"` OPTIONS reaches the first route of its path, whatever that route's method.
    const methodOk =
      route.method === method ||
      route.method === "*" ||
      (method === "OPTIONS" && api.http?.cors === "allow-all");
    const rest = segments.at(-1) === "*";
    const lengthOk = rest ? parts.length >= segments.length : parts.length === segments.length;
    if (!methodOk || !lengthOk) continue;
    const params: Record<string, string> = {};
    const ok = segments.every((segment, i) => {
      const part = parts[i] ?? "";
      if (rest && i === segments.length - 1) {
        try {
          params["*"] = decodeURIComponent(parts.slice(i).join("/"));
          return true;
        } catch {
          return false;
        }
      }
      if (!segment.startsWith(":")) return segment === part;
      if (part === "") return false;
      try {
        params[segment.slice(1)] = decodeURIComponent(part);
        return true;
      } catch {
        return false;
      }
    });
    if (ok) return { route, api, params };
  }
  return undefined;
}

/** A CORS preflight: OPTIONS naming the method it asks for. */
function isPreflight(req: IncomingMessage, method: string): boolean {
  return method === "OPTIONS" && Boolean(req.headers["access-control-request-method"]);
}

/** Reads the body up to `limit` bytes; "too-large" beyond it, "aborted" if the client went away. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) return "too-large";
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > limit) return "too-large";
      chunks.push(buffer);
    }
  } catch {
    return "aborted";
  }
  return Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  contentType: string,
  response: RouteResponse,
  raw?: string,
  extraHeaders: Record<string, string> = {},
): number {
  const payload = raw ?? JSON.stringify(response.json);
  return sendRaw(res, {
    status: response.status,
    headers: { ...extraHeaders, ...response.headers, "content-type": contentType },
    body: payload,
  });
}

function sendRaw(res: ServerResponse, response: RawResponse): number {
  if (res.destroyed || res.headersSent) return 0;
  const length = response.status === 204 ? {} : { "content-length": Buffer.byteLength(response.body) };
  res.writeHead(response.status, { ...response.headers, ...length });
  res.end(response.status === 204 ? undefined : response.body);
  return response.status;
}

/** The methods rs/cors `AllowAll()` allows (OPTIONS is always allowed). */
const CORS_METHODS = new Set(["HEAD", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** rs/cors v1.8 `handlePreflight` with `AllowAll()`, then its 204. */
function preflight(req: IncomingMessage): RawResponse {
  const headers: Record<string, string> = {
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  };
  const method = (req.headers["access-control-request-method"] ?? "").toUpperCase();
  if (req.headers.origin && CORS_METHODS.has(method)) {
    headers["access-control-allow-origin"] = "*";
    headers["access-control-allow-methods"] = method;
    const requested = canonicalHeaderList(req.headers["access-control-request-headers"] ?? "");
    if (requested !== "") headers["access-control-allow-headers"] = requested;
  }
  return { status: 204, headers, body: "" };
}

/** rs/cors `parseHeaderList`: names split on commas and spaces, in Go's canonical case, joined by ", ". */
function canonicalHeaderList(list: string): string {
  return list
    .split(/[ ,]/)
    .map((name) =>
      name
        .replace(/[^A-Za-z0-9_.-]/g, "")
        .toLowerCase()
        .replace(/(^|[-_])([a-z])/g, (_all, dash: string, letter: string) => dash + letter.toUpperCase()),
    )
    .filter((name) => name !== "")
    .join(", ");
}

/** rs/cors v1.8 `handleActualRequest` with `AllowAll()`. */
function corsHeaders(req: IncomingMessage, method: string): Record<string, string> {
  return req.headers.origin && CORS_METHODS.has(method)
    ? { vary: "Origin", "access-control-allow-origin": "*" }
    : { vary: "Origin" };
}

/** The vendor APIs with their seeds, and the TLS material when serving https. */
interface Vendors {
  readonly netbird: ReturnType<typeof createNetbird>;
  readonly gcore: Awaited<ReturnType<typeof createGcore>>;
  readonly icp: Awaited<ReturnType<typeof createIcp>>;
  readonly registry: ReturnType<typeof createRegistry>;
  readonly tls: { ca: CertificateAuthority; cert: ServerCertificate } | undefined;
}

/** The running emulator's data: the clock, the vendors' routes, the faults, the request log and its origin. */
interface EmulatorState {
  readonly clock: EmulatorClock;
  readonly apis: readonly VendorApi<unknown>[];
  readonly table: readonly CompiledRoute[];
  readonly faults: FaultQueue;
  readonly log: RequestLogEntry[];
  /** Aborted on close, which ends pending fault delays. */
  readonly closing: AbortController;
  readonly scheme: "http" | "https";
  /** The listening port; 0 until the server listens. */
  port: number;
}

/**
 * Starts the emulator on 127.0.0.1 (port 0 unless `options.port`). The clock starts frozen at `options.now`,
 * else at env PULUMI_TOKENS_NOW, else runs in real time; an invalid value throws.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = createClock(initialNow(options.now));
  const vendors = await createVendors(clock, Boolean(options.tls));
  const { netbird, gcore, icp, registry, tls } = vendors;
  const apis: VendorApi<unknown>[] = [netbird.api, gcore.api, icp.api, registry.api];
  const table = compile(apis);
  const emu: EmulatorState = {
    clock,
    apis,
    table,
    faults: createFaultQueue([...table.map((entry) => entry.route.name), "unknown"]),
    log: [],
    closing: new AbortController(),
    scheme: tls ? "https" : "http",
    port: 0,
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    serve(emu, req, res).catch(() => {
      if (!res.headersSent) res.destroy();
    });
  };
  const server: Server = tls
    ? createHttpsServer({ key: tls.cert.privateKeyPem, cert: tls.cert.certificatePem }, onRequest)
    : createHttpServer(onRequest);
  emu.port = await listen(server, options.port ?? 0);
  return emulatorHandle(emu, vendors, server);
}

/**
 * Creates the four vendor APIs on one clock, and with `tls` a CA and the server's certificate. ICP and the
 * generic token server share one registry-token key and issuer, so one registry config trusts both.
 */
async function createVendors(clock: EmulatorClock, tls: boolean): Promise<Vendors> {
  const netbird = createNetbird(clock);
  const signer = await createTokenSigner();
  const registry = createRegistry(clock, signer);
  const [gcore, icp, tlsMaterial] = await Promise.all([
    createGcore(clock),
    createIcp(clock, signer),
    tls
      ? generateCertificateAuthority().then(async (ca) => ({ ca, cert: await issueServerCertificate(ca) }))
      : undefined,
  ]);
  return { netbird, gcore, icp, registry, tls: tlsMaterial };
}

/** Listens on 127.0.0.1:`port` (0: any free port); resolves with the port, rejects if listening fails. */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** The {@link Emulator} handed to tests: URL, seeds, clock, request log, faults, vendor controls and close. */
function emulatorHandle(emu: EmulatorState, vendors: Vendors, server: Server): Emulator {
  const { netbird, gcore, icp, registry, tls } = vendors;
  const { log } = emu;
  return {
    url: `${emu.scheme}://127.0.0.1:${emu.port}`,
    caCertificate: tls?.ca.certificatePem,
    async issueCertificate(names) {
      if (tls === undefined) throw new Error("issueCertificate needs an emulator started with tls: true");
      return issueServerCertificate(tls.ca, names);
    },
    seeds: { netbird: netbird.seeds, gcore: gcore.seeds, icp: icp.seeds, registry: registry.seeds },
    clock: emu.clock,
    get requests() {
      return log.map((entry) => ({ ...entry }));
    },
    requestsFor: (vendor) => log.filter((entry) => entry.vendor === vendor).map((entry) => ({ ...entry })),
    clearRequests() {
      log.length = 0;
    },
    faults: { inject: emu.faults.inject, clear: emu.faults.clear },
    netbird: netbird.api.control,
    gcore: gcore.api.control,
    icp: icp.api.control,
    registry: registry.api.control,
    async close() {
      emu.closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A request being served: what routing found for it and how to answer it. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly url: URL;
  /** The route the request reached, its vendor and path parameters; undefined for `unknown`. */
  readonly found: Match | undefined;
  /** The HTTP behaviour of the vendor that routed the request, or else of the vendor owning its path. */
  readonly http: VendorHttp | undefined;
  /** Headers every answer carries (CORS, for a routed request of an `allow-all` vendor). */
  readonly cors: Record<string, string>;
  readonly contentType: string;
  /** The request's entry in the log; its status is set when the answer is sent. */
  readonly entry: RequestLogEntry;
}

/** Serves one request: routing and logging, CORS preflight, faults, the body cap, then the route. */
async function serve(emu: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const x = beginExchange(emu, req, res);
  const { entry } = x;
  if (x.found !== undefined && x.http?.cors === "allow-all" && isPreflight(req, x.method)) {
    entry.status = sendRaw(res, preflight(req));
    return;
  }
  const fault = emu.faults.take(entry.route);
  if (fault?.kind === "drop") {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === "delay" && !(await faultDelay(emu, fault.ms))) return; // the emulator is closing
  const body = await readBody(req, x.http?.maxBodyBytes ?? MAX_BODY_BYTES);
  if (body === "aborted") return;
  if (body === "too-large") {
    const tooLarge = { status: 413, json: errorBody(x, 413), headers: { connection: "close" } };
    entry.status = send(res, x.contentType, tooLarge, undefined, x.cors);
    return;
  }
  if (fault?.kind === "status") {
    entry.status = sendStatusFault(x, fault);
    return;
  }
  if (x.found === undefined) {
    entry.status =
      x.http === undefined
        ? send(res, x.contentType, { status: 404, json: errorBody(x, 404) })
        : sendRaw(res, x.http.notFound());
    return;
  }
  const response = await callRoute(emu, x, x.found, body);
  if (fault?.kind === "drop-after") {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === "delay-after" && !(await faultDelay(emu, fault.ms))) return; // the emulator is closing
  entry.status =
    fault?.kind === "bad-json"
      ? send(res, x.contentType, { status: 200, json: undefined }, MALFORMED_JSON, x.cors)
      : send(res, x.contentType, response, undefined, x.cors);
}

/** Routes a request and logs it (status 0 until answered). */
function beginExchange(emu: EmulatorState, req: IncomingMessage, res: ServerResponse): Exchange {
  const method = req.method ?? "GET";
  // Prefix instead of a base URL, so that a path like "//host/x" stays a path.
  const url = new URL(`http://emulator${req.url?.startsWith("/") ? req.url : "/"}`);
  const path = url.pathname;
  const found = match(emu.table, method, path);
  const http: VendorHttp | undefined =
    found?.api.http ?? emu.apis.find((api) => api.http?.pathPrefixes.some((p) => path.startsWith(p)))?.http;
  const cors = found !== undefined && http?.cors === "allow-all" ? corsHeaders(req, method) : {};
  const entry: RequestLogEntry = {
    vendor: found?.api.vendor ?? "unknown",
    route: found?.route.name ?? "unknown",
    method,
    path,
    status: 0,
    at: emu.clock.now().toISOString(),
  };
  emu.log.push(entry);
  const contentType = found?.api.contentType ?? "application/json";
  return { req, res, method, url, found, http, cors, contentType, entry };
}

/** The body of an error the vendor did not produce itself, in its shape (a generic one for `unknown`). */
function errorBody(x: Exchange, status: number): unknown {
  return x.found === undefined
    ? { message: status === 404 ? "not found" : "error", code: status }
    : x.found.api.errorBody(status, x.entry.route);
}

/** Waits `ms` for a delay fault; false when the emulator closed meanwhile. */
async function faultDelay(emu: EmulatorState, ms: number): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal: emu.closing.signal });
    return true;
  } catch {
    return false;
  }
}

/** Answers a `status` fault: its status, its body or the vendor's error body, and `Retry-After` if set. */
function sendStatusFault(x: Exchange, fault: Extract<FaultKind, { kind: "status" }>): number {
  const headers = fault.retryAfter === undefined ? undefined : { "retry-after": String(fault.retryAfter) };
  const json = fault.body !== undefined ? fault.body : errorBody(x, fault.status);
  return send(
    x.res,
    x.contentType,
    headers === undefined ? { status: fault.status, json } : { status: fault.status, json, headers },
    undefined,
    x.cors,
  );
}

/** The route's answer to the request; a 500 in the vendor's shape if it throws (never echoing internals). */
async function callRoute(
  emu: EmulatorState,
  x: Exchange,
  found: Match,
  body: Buffer,
): Promise<RouteResponse> {
  try {
    return await found.route.handle({
      method: x.method,
      scheme: emu.scheme,
      origin: `${emu.scheme}://127.0.0.1:${emu.port}`,
      path: x.url.pathname,
      params: found.params,
      query: x.url.searchParams,
      headers: x.req.headers,
      body,
    });
  } catch {
    return { status: 500, json: errorBody(x, 500) };
  }
}
