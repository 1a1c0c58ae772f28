/**
 * The small contract between the server and the three vendor modules: a vendor is a list of routes plus its
 * content type and error shape; a route turns a fully read request into a JSON response.
 */
import type { IncomingHttpHeaders } from "node:http";
import { STATUS_CODES } from "node:http";
import type { EmulatorVendor } from "./types.ts";

/** A request as a route handler sees it (body already read and capped by the server). */
export interface RouteRequest {
  readonly method: string;
  /** `http` or `https`, as the emulator serves. */
  readonly scheme: "http" | "https";
  /** The emulator's own origin, `http(s)://127.0.0.1:PORT`. */
  readonly origin: string;
  /** URL path without query. */
  readonly path: string;
  /** Decoded path parameters (`:name` segments; `*` for the rest of a path ending in `/*`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A JSON response. `json` is serialized with JSON.stringify (so `null` is sent as `null`). */
export interface RouteResponse {
  status: number;
  json: unknown;
  headers?: Record<string, string>;
}

/**
 * One emulated endpoint. `path` uses `:name` for a parameter segment and may end in `/*` for any rest (params
 * `*`, possibly empty or holding `/`). `method` `*` takes every method.
 */
export interface Route {
  readonly name: string;
  readonly method: "GET" | "POST" | "DELETE" | "*";
  readonly path: string;
  handle(request: RouteRequest): Promise<RouteResponse>;
}

/** One row of a vendor's route table: name, method, path and the handler, which gets the vendor's state. */
export type RouteRow<State> = readonly [
  name: string,
  method: Route["method"],
  path: string,
  handler: (state: State, request: RouteRequest) => Promise<RouteResponse>,
];

/** A vendor's routes from its table, each handler bound to the vendor's state. */
export function routesOf<State>(state: State, rows: readonly RouteRow<State>[]): Route[] {
  return rows.map(([name, method, path, handler]) => ({
    name,
    method,
    path,
    handle: (request) => handler(state, request),
  }));
}

/** An answer with any content type, for what a vendor's HTTP stack answers outside its routes. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Sent as is; empty for no body. */
  body: string;
}

/**
 * How a vendor's HTTP stack behaves around its routes, where vendors differ. A vendor that leaves this out gets
 * the emulator's defaults: a JSON 404 for unmatched requests, no CORS, bodies capped at {@link MAX_BODY_BYTES}.
 */
export interface VendorHttp {
  /** Paths the vendor's server owns: a request under one that matches no route gets `notFound`. */
  readonly pathPrefixes: readonly string[];
  /** The answer to a request under `pathPrefixes` that matches no route. */
  notFound(): RawResponse;
  /**
   * `allow-all`: as a Go server whose routes also accept OPTIONS, wrapped in rs/cors `AllowAll()`: OPTIONS
   * reaches the route of its path, a preflight (OPTIONS with `Access-Control-Request-Method`) gets 204 and
   * the CORS headers, every other answer of a route gets `Vary: Origin` (and `Access-Control-Allow-Origin: *`
   * when the request names an origin).
   */
  readonly cors?: "allow-all";
  /** Largest accepted request body; larger ones get 413. */
  readonly maxBodyBytes?: number;
}

/** Largest accepted request body unless a vendor sets its own; larger ones get 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** One emulated vendor API. */
export interface VendorApi<Control> {
  readonly vendor: EmulatorVendor;
  readonly contentType: string;
  /** Routes, tried in order (put literal paths before parameterized ones). */
  readonly routes: readonly Route[];
  /** The vendor's error body for a status the vendor did not produce itself (faults, 413, 500). */
  errorBody(status: number, route: string): unknown;
  /** Behaviour around the routes (unmatched requests, CORS, body size); omitted: the emulator's defaults. */
  readonly http?: VendorHttp;
  readonly control: Control;
}

/** Shorthand for a JSON response. */
export function reply(status: number, json: unknown, headers?: Record<string, string>): RouteResponse {
  return headers === undefined ? { status, json } : { status, json, headers };
}

/** The standard reason phrase of a status ("Service Unavailable"), or "Error". */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? "Error";
}

/** The single value of a header (first one if repeated). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Result of parsing a JSON body. */
export type JsonBody = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses a JSON body; an empty body is a parse error (as in Go's decoder and DRF). */
export function parseJsonBody(body: Buffer): JsonBody {
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when a handler step produced the answer (an error) instead of a value to go on with. */
export function isResponse<T extends object>(value: T | RouteResponse): value is RouteResponse {
  return "status" in value && "json" in value;
}
