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
import { createFaultQueue } from "./faults.ts";
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
import { generateCertificateAuthority, issueServerCertificate } from "./tls.ts";
import type { Emulator, EmulatorOptions, RequestLogEntry } from "./types.ts";

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

/**
 * Starts the emulator on 127.0.0.1 (port 0 unless `options.port`). The clock starts frozen at `options.now`,
 * else at env PULUMI_TOKENS_NOW, else runs in real time; an invalid value throws.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const clock = createClock(initialNow(options.now));
  const netbird = createNetbird(clock);
  // One registry-token key and issuer for ICP and the generic token server: one registry config trusts both.
  const signer = await createTokenSigner();
  const registry = createRegistry(clock, signer);
  const [gcore, icp, tls] = await Promise.all([
    createGcore(clock),
    createIcp(clock, signer),
    options.tls
      ? generateCertificateAuthority().then(async (ca) => ({ ca, cert: await issueServerCertificate(ca) }))
      : undefined,
  ]);
  const apis: VendorApi<unknown>[] = [netbird.api, gcore.api, icp.api, registry.api];
  const table = compile(apis);
  const faults = createFaultQueue([...table.map((entry) => entry.route.name), "unknown"]);
  const log: RequestLogEntry[] = [];
  const closing = new AbortController();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    // Prefix instead of a base URL, so that a path like "//host/x" stays a path.
    const url = new URL(`http://emulator${req.url?.startsWith("/") ? req.url : "/"}`);
    const path = url.pathname;
    const found = match(table, method, path);
    const http: VendorHttp | undefined =
      found?.api.http ?? apis.find((api) => api.http?.pathPrefixes.some((p) => path.startsWith(p)))?.http;
    const cors = found !== undefined && http?.cors === "allow-all" ? corsHeaders(req, method) : {};
    const entry: RequestLogEntry = {
      vendor: found?.api.vendor ?? "unknown",
      route: found?.route.name ?? "unknown",
      method,
      path,
      status: 0,
      at: clock.now().toISOString(),
    };
    log.push(entry);
    if (found !== undefined && http?.cors === "allow-all" && isPreflight(req, method)) {
      entry.status = sendRaw(res, preflight(req));
      return;
    }
    const contentType = found?.api.contentType ?? "application/json";
    const errorBody = (status: number): unknown =>
      found === undefined
        ? { message: status === 404 ? "not found" : "error", code: status }
        : found.api.errorBody(status, entry.route);

    const fault = faults.take(entry.route);
    if (fault?.kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "delay") {
      try {
        await sleep(fault.ms, undefined, { signal: closing.signal });
      } catch {
        return; // the emulator is closing
      }
    }
    const body = await readBody(req, http?.maxBodyBytes ?? MAX_BODY_BYTES);
    if (body === "aborted") return;
    if (body === "too-large") {
      entry.status = send(
        res,
        contentType,
        { status: 413, json: errorBody(413), headers: { connection: "close" } },
        undefined,
        cors,
      );
      return;
    }
    if (fault?.kind === "status") {
      const headers =
        fault.retryAfter === undefined ? undefined : { "retry-after": String(fault.retryAfter) };
      const json = fault.body !== undefined ? fault.body : errorBody(fault.status);
      entry.status = send(
        res,
        contentType,
        headers === undefined ? { status: fault.status, json } : { status: fault.status, json, headers },
        undefined,
        cors,
      );
      return;
    }
    if (found === undefined) {
      entry.status =
        http === undefined
          ? send(res, contentType, { status: 404, json: errorBody(404) })
          : sendRaw(res, http.notFound());
      return;
    }
    let response: RouteResponse;
    try {
      const request = {
        method,
        scheme: tls ? ("https" as const) : ("http" as const),
        origin: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
        path,
        params: found.params,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      response = await found.route.handle(request);
    } catch {
      response = { status: 500, json: errorBody(500) }; // never echo internals
    }
    if (fault?.kind === "drop-after") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "delay-after") {
      try {
        await sleep(fault.ms, undefined, { signal: closing.signal });
      } catch {
        return; // the emulator is closing
      }
    }
    entry.status =
      fault?.kind === "bad-json"
        ? send(res, contentType, { status: 200, json: undefined }, MALFORMED_JSON, cors)
        : send(res, contentType, response, undefined, cors);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.destroy();
    });
  };
  const server: Server = tls
    ? createHttpsServer({ key: tls.cert.privateKeyPem, cert: tls.cert.certificatePem }, onRequest)
    : createHttpServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    caCertificate: tls?.ca.certificatePem,
    async issueCertificate(names) {
      if (tls === undefined) throw new Error("issueCertificate needs an emulator started with tls: true");
      return issueServerCertificate(tls.ca, names);
    },
    seeds: { netbird: netbird.seeds, gcore: gcore.seeds, icp: icp.seeds, registry: registry.seeds },
    clock,
    get requests() {
      return log.map((entry) => ({ ...entry }));
    },
    requestsFor: (vendor) => log.filter((entry) => entry.vendor === vendor).map((entry) => ({ ...entry })),
    clearRequests() {
      log.length = 0;
    },
    faults: { inject: faults.inject, clear: faults.clear },
    netbird: netbird.api.control,
    gcore: gcore.api.control,
    icp: icp.api.control,
    registry: registry.api.control,
    async close() {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
