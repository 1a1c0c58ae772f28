// The emulator against the real NetBird management server v0.69.0: one corpus of HTTP requests (the
// happy paths and many odd or bad ones) sent to both, comparing status, content type and body shape
// (ids, dates, hashes and plain tokens normalised). Every difference kept is in KEPT_DIFFERENCES with
// its reason, and the test fails if a listed difference disappears (the table stays true).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.ts";
import { newPlainToken } from "../../src/emulator/netbird-pat.ts";
import {
  type NetbirdServer,
  netbirdBinary,
  sendHttp,
  startNetbirdServer,
} from "../harness/netbird-server.ts";

/** What one backend offers the corpus. */
interface Target {
  send(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; contentType: string; text: string; headers: Record<string, string> }>;
  adminToken: string;
  adminUserId: string;
  serviceUserId: string;
  plainUserId: string;
  /** A valid JWT of the admin, and an expired one (the emulator has no identity provider). */
  jwt: string;
  expiredJwt: string;
  /** Issues a token as the admin (not part of the corpus). */
  issue(userId: string, name: string): Promise<{ id: string; plain: string }>;
}

interface Probe {
  name: string;
  method: string;
  path: (t: Target, f: Fixtures) => string;
  headers?: (t: Target, f: Fixtures) => Record<string, string>;
  body?: string | ((t: Target, f: Fixtures) => string);
}

/** Tokens made before the corpus runs, per backend. */
interface Fixtures {
  serviceToken: { id: string; plain: string };
  adminOwnToken: { id: string; plain: string };
  deleted: { id: string; plain: string };
  toDelete: { id: string; plain: string };
}

const admin = (t: Target) => ({ authorization: `Token ${t.adminToken}` });
const asService = (_t: Target, f: Fixtures) => ({ authorization: `Token ${f.serviceToken.plain}` });
const svcTokens = (t: Target) => `/api/users/${t.serviceUserId}/tokens`;
const create = (body: string): Pick<Probe, "method" | "path" | "headers" | "body"> => ({
  method: "POST",
  path: svcTokens,
  headers: admin,
  body,
});
// A well-formed PAT (valid checksum) that neither server issued.
const UNKNOWN_PAT = newPlainToken();

const CORPUS: Probe[] = [
  // Happy paths
  { name: "list a service user's tokens (admin PAT)", method: "GET", path: svcTokens, headers: admin },
  {
    name: "get one token (admin PAT)",
    method: "GET",
    path: (t, f) => `${svcTokens(t)}/${f.serviceToken.id}`,
    headers: admin,
  },
  { name: "create a token", ...create('{"name":"ci","expires_in":30}') },
  {
    name: "delete a token",
    method: "DELETE",
    path: (t, f) => `${svcTokens(t)}/${f.toDelete.id}`,
    headers: admin,
  },
  {
    name: "list the admin's own tokens",
    method: "GET",
    path: (t) => `/api/users/${t.adminUserId}/tokens`,
    headers: admin,
  },
  { name: "who am I, admin PAT", method: "GET", path: () => "/api/users/current", headers: admin },
  // Authentication
  { name: "no Authorization header", method: "GET", path: svcTokens },
  {
    name: "empty Authorization header",
    method: "GET",
    path: svcTokens,
    headers: () => ({ authorization: "" }),
  },
  {
    name: "Token with an empty value",
    method: "GET",
    path: svcTokens,
    headers: () => ({ authorization: "Token " }),
  },
  {
    name: "Token too short",
    method: "GET",
    path: svcTokens,
    headers: () => ({ authorization: "Token nbp_short" }),
  },
  {
    name: "Token with a bad checksum",
    method: "GET",
    path: svcTokens,
    headers: (t) => ({
      authorization: `Token ${t.adminToken.slice(0, -1)}${t.adminToken.endsWith("A") ? "B" : "A"}`,
    }),
  },
  {
    name: "Token without the nbp_ prefix",
    method: "GET",
    path: svcTokens,
    headers: (t) => ({ authorization: `Token xyz_${t.adminToken.slice(4)}` }),
  },
  {
    name: "well-formed unknown PAT",
    method: "GET",
    path: svcTokens,
    headers: () => ({ authorization: `Token ${UNKNOWN_PAT}` }),
  },
  {
    name: "deleted PAT",
    method: "GET",
    path: svcTokens,
    headers: (_t, f) => ({ authorization: `Token ${f.deleted.plain}` }),
  },
  {
    name: "Basic scheme",
    method: "GET",
    path: svcTokens,
    headers: () => ({ authorization: "Basic dXNlcjpwYXNz" }),
  },
  {
    name: "Bearer with a PAT (treated as Token)",
    method: "GET",
    path: svcTokens,
    headers: (t) => ({ authorization: `Bearer ${t.adminToken}` }),
  },
  {
    name: "lower-case token scheme",
    method: "GET",
    path: svcTokens,
    headers: (t) => ({ authorization: `token ${t.adminToken}` }),
  },
  {
    name: "two spaces after the scheme",
    method: "GET",
    path: svcTokens,
    headers: (t) => ({ authorization: `Token  ${t.adminToken}` }),
  },
  {
    name: "Bearer garbage",
    method: "GET",
    path: svcTokens,
    headers: () => ({ authorization: "Bearer not.a.jwt" }),
  },
  {
    name: "Bearer expired JWT",
    method: "GET",
    path: svcTokens,
    headers: (t) => ({ authorization: `Bearer ${t.expiredJwt}` }),
  },
  {
    name: "Bearer valid JWT of the admin",
    method: "GET",
    path: svcTokens,
    headers: (t) => ({ authorization: `Bearer ${t.jwt}` }),
  },
  // Targets and authorization
  { name: "unknown user", method: "GET", path: () => "/api/users/nobody/tokens", headers: admin },
  {
    name: "unknown token id",
    method: "GET",
    path: (t) => `${svcTokens(t)}/d0000000000000000000`,
    headers: admin,
  },
  {
    name: "another user's token under the service user",
    method: "GET",
    path: (t, f) => `${svcTokens(t)}/${f.adminOwnToken.id}`,
    headers: admin,
  },
  {
    name: "a regular user's tokens, as admin",
    method: "GET",
    path: (t) => `/api/users/${t.plainUserId}/tokens`,
    headers: admin,
  },
  {
    name: "create for a regular user, as admin",
    method: "POST",
    path: (t) => `/api/users/${t.plainUserId}/tokens`,
    headers: admin,
    body: '{"name":"x","expires_in":30}',
  },
  { name: "service user lists its own tokens", method: "GET", path: svcTokens, headers: asService },
  {
    name: "service user reads its own token",
    method: "GET",
    path: (t, f) => `${svcTokens(t)}/${f.serviceToken.id}`,
    headers: asService,
  },
  {
    name: "service user creates its own token",
    method: "POST",
    path: svcTokens,
    headers: asService,
    body: '{"name":"self","expires_in":30}',
  },
  {
    name: "service user deletes its own token",
    method: "DELETE",
    path: (t, f) => `${svcTokens(t)}/${f.serviceToken.id}`,
    headers: asService,
  },
  {
    name: "service user reads the admin's tokens",
    method: "GET",
    path: (t) => `/api/users/${t.adminUserId}/tokens`,
    headers: asService,
  },
  {
    name: "service user asks who it is",
    method: "GET",
    path: () => "/api/users/current",
    headers: asService,
  },
  {
    name: "delete an already deleted token",
    method: "DELETE",
    path: (t, f) => `${svcTokens(t)}/${f.deleted.id}`,
    headers: admin,
  },
  // Bodies
  { name: "expires_in 0", ...create('{"name":"x","expires_in":0}') },
  { name: "expires_in 366", ...create('{"name":"x","expires_in":366}') },
  { name: "expires_in -1", ...create('{"name":"x","expires_in":-1}') },
  { name: "expires_in 365", ...create('{"name":"x","expires_in":365}') },
  { name: "expires_in as a string", ...create('{"name":"x","expires_in":"30"}') },
  { name: "expires_in 30.5", ...create('{"name":"x","expires_in":30.5}') },
  { name: "expires_in missing", ...create('{"name":"x"}') },
  { name: "name empty", ...create('{"name":"","expires_in":30}') },
  { name: "name missing", ...create('{"expires_in":30}') },
  { name: "name whitespace only", ...create('{"name":"   ","expires_in":30}') },
  { name: "name with emoji and slashes", ...create('{"name":"ci/🚀 prod","expires_in":30}') },
  { name: "name of 1000 characters", ...create(JSON.stringify({ name: "n".repeat(1000), expires_in: 30 })) },
  {
    name: "name of 100000 characters",
    ...create(JSON.stringify({ name: "n".repeat(100_000), expires_in: 30 })),
  },
  { name: "name a number", ...create('{"name":5,"expires_in":30}') },
  { name: "body not JSON", ...create("name=x") },
  { name: "body JSON null", ...create("null") },
  { name: "body a JSON array", ...create("[]") },
  { name: "unknown fields ignored", ...create('{"name":"x","expires_in":30,"extra":true}') },
  // Methods and paths
  {
    name: "PUT on a token",
    method: "PUT",
    path: (t, f) => `${svcTokens(t)}/${f.serviceToken.id}`,
    headers: admin,
    body: "{}",
  },
  { name: "PATCH on the token list", method: "PATCH", path: svcTokens, headers: admin, body: "{}" },
  { name: "DELETE on the token list", method: "DELETE", path: svcTokens, headers: admin },
  {
    name: "POST on a token",
    method: "POST",
    path: (t, f) => `${svcTokens(t)}/${f.serviceToken.id}`,
    headers: admin,
    body: "{}",
  },
  {
    name: "CORS preflight",
    method: "OPTIONS",
    path: svcTokens,
    headers: () => ({ origin: "https://app.example", "access-control-request-method": "POST" }),
  },
  { name: "unknown API path", method: "GET", path: () => "/api/nothing-here", headers: admin },
  { name: "path outside the API", method: "GET", path: () => "/nothing-here", headers: admin },
  // CORS (rs/cors AllowAll in front of every route)
  {
    name: "CORS preflight asking for headers",
    method: "OPTIONS",
    path: (t, f) => `${svcTokens(t)}/${f.serviceToken.id}`,
    headers: () => ({
      origin: "https://app.example",
      "access-control-request-method": "delete",
      "access-control-request-headers": "authorization, content-type,x-custom_thing",
    }),
  },
  {
    name: "CORS preflight without an Origin",
    method: "OPTIONS",
    path: svcTokens,
    headers: () => ({ "access-control-request-method": "GET" }),
  },
  {
    name: "CORS preflight for a method rs/cors refuses",
    method: "OPTIONS",
    path: svcTokens,
    headers: () => ({ origin: "https://app.example", "access-control-request-method": "TRACE" }),
  },
  {
    name: "CORS preflight on an unknown path",
    method: "OPTIONS",
    path: () => "/api/nothing-here",
    headers: () => ({ origin: "https://app.example", "access-control-request-method": "GET" }),
  },
  {
    name: "OPTIONS that is not a preflight reaches the route",
    method: "OPTIONS",
    path: svcTokens,
    headers: admin,
  },
  {
    name: "cross-origin list",
    method: "GET",
    path: svcTokens,
    headers: (t) => ({ ...admin(t), origin: "https://app.example" }),
  },
];

/**
 * Differences kept on purpose, by probe name: the emulator is for tests of this package, not a NetBird.
 * A probe listed here must still differ (the test says so when it stops).
 */
const KEPT_DIFFERENCES: Record<string, string> = {
  "who am I, admin PAT":
    "the real server's User has ~20 fields (permissions, groups, last_login…); the emulator returns the ones clients read",
  "Bearer valid JWT of the admin":
    "the emulator has no identity provider: it refuses every JWT (401 token invalid)",
  "path outside the API":
    "the emulator serves NetBird, Gcore and ICP on one port: a path under none of their prefixes gets its own JSON 404",
};

/** The response headers compared besides the content type: CORS and content sniffing. */
const COMPARED_HEADERS = /^(access-control-|vary$|x-content-type-options$)/;

/** Shape of a body: JSON with volatile values replaced; plain text as is. */
function shape(text: string, contentType: string, t: Target, f: Fixtures): unknown {
  const names: [string, string][] = [
    [t.adminUserId, "<admin>"],
    [t.serviceUserId, "<service>"],
    [t.plainUserId, "<regular>"],
    [f.serviceToken.id, "<serviceTokenId>"],
    [f.adminOwnToken.id, "<adminTokenId>"],
    [f.deleted.id, "<deletedId>"],
    [f.toDelete.id, "<toDeleteId>"],
  ];
  const normalise = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.length === 0 ? [] : [normalise(value[0]), `…${value.length}`];
    if (value !== null && typeof value === "object")
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((key) => [key, normalise((value as Record<string, unknown>)[key])]),
      );
    if (typeof value !== "string") return value;
    let text = value;
    for (const [id, name] of names) if (id) text = text.split(id).join(name);
    return text
      .replace(/nbp_[A-Za-z0-9]{36}/g, "<plain>")
      .replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, "<date>")
      .replace(/pat: [A-Za-z0-9+/]{43}= not found/g, "pat: <hash> not found")
      .replace(/^[a-v0-9]{20}$/, "<xid>")
      .replace(/^n{1000,}$/, `<name of ${value.length}>`);
  };
  if (!contentType.includes("json")) return text.trim();
  try {
    return normalise(JSON.parse(text));
  } catch {
    return `unparsable: ${text.slice(0, 80)}`;
  }
}

interface Answer {
  status: number;
  type: string;
  body: unknown;
  retryAfter: string | undefined;
  headers?: Record<string, string>;
}

async function runCorpus(t: Target, f: Fixtures): Promise<Map<string, Answer>> {
  const answers = new Map<string, Answer>();
  for (const probe of CORPUS) {
    const body = typeof probe.body === "function" ? probe.body(t, f) : probe.body;
    const reply = await t.send(probe.method, probe.path(t, f), {
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...probe.headers?.(t, f),
      },
      ...(body === undefined ? {} : { body }),
    });
    let answer = shape(reply.text, reply.contentType, t, f);
    // The who-am-I body is compared on the fields both have (see KEPT_DIFFERENCES for the rest).
    if (probe.name === "who am I, admin PAT" && typeof answer === "object" && answer !== null)
      answer = Object.keys(answer);
    answers.set(probe.name, {
      status: reply.status,
      type: reply.contentType.split(";")[0] ?? "",
      body: answer,
      retryAfter: reply.headers["retry-after"],
      headers: Object.fromEntries(
        Object.entries(reply.headers)
          .filter(([key]) => COMPARED_HEADERS.test(key))
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
    });
  }
  return answers;
}

async function fixtures(t: Target): Promise<Fixtures> {
  const deleted = await t.issue(t.serviceUserId, "deleted");
  const gone = await t.send("DELETE", `${svcTokens(t)}/${deleted.id}`, { headers: admin(t) });
  if (gone.status !== 200) throw new Error(`fixture delete: ${gone.status}`);
  return {
    serviceToken: await t.issue(t.serviceUserId, "svc-own"),
    adminOwnToken: await t.issue(t.adminUserId, "admin-own"),
    deleted,
    toDelete: await t.issue(t.serviceUserId, "to-delete"),
  };
}

function emulatorTarget(emu: Emulator): Target {
  const send: Target["send"] = (method, path, init) => sendHttp(emu.url, method, path, init);
  const seeds = emu.seeds.netbird;
  return {
    send,
    adminToken: seeds.adminToken,
    adminUserId: seeds.adminUserId,
    serviceUserId: seeds.serviceUserId,
    plainUserId: seeds.plainUserId,
    jwt: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLWFkbWluIn0.c2lnbmF0dXJl",
    expiredJwt: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLWFkbWluIiwiZXhwIjoxfQ.c2lnbmF0dXJl",
    async issue(userId, name) {
      const reply = await send("POST", `/api/users/${userId}/tokens`, {
        headers: { authorization: `Token ${seeds.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name, expires_in: 30 }),
      });
      const parsed = JSON.parse(reply.text) as { plain_token: string; personal_access_token: { id: string } };
      return { id: parsed.personal_access_token.id, plain: parsed.plain_token };
    },
  };
}

async function serverTarget(server: NetbirdServer): Promise<Target> {
  const hourAgo = Math.floor(Date.now() / 1000) - 7200;
  return {
    send: (method, path, init) => server.send(method, path, init),
    adminToken: server.adminToken,
    adminUserId: server.adminUserId,
    serviceUserId: server.serviceUserId,
    plainUserId: server.plainUserId,
    jwt: await server.mintJwt(server.adminUserId),
    expiredJwt: await server.mintJwt(server.adminUserId, { issuedAt: hourAgo, expiresInSeconds: 3600 }),
    issue: (userId, name) => server.issueToken(userId, name, 30),
  };
}

describe("differential: the emulator answers as NetBird management v0.69.0 does", () => {
  let server: NetbirdServer | undefined;
  let emu: Emulator | undefined;
  let real: Map<string, Answer> | undefined;
  let emulated: Map<string, Answer> | undefined;

  beforeAll(async () => {
    const binary = await netbirdBinary();
    if (!binary) return;
    server = await startNetbirdServer(binary);
    emu = await startEmulator({ now: new Date() });
    // Real time on both: the JWT and token expiry checks run against the same clock.
    emu.clock.set(new Date());
    const realTarget = await serverTarget(server);
    const emulatorTargetValue = emulatorTarget(emu);
    real = await runCorpus(realTarget, await fixtures(realTarget));
    emulated = await runCorpus(emulatorTargetValue, await fixtures(emulatorTargetValue));
  }, 35 * 60_000);
  afterAll(async () => {
    await server?.stop();
    await emu?.close();
  });

  it("has a corpus of the happy paths and at least 30 odd or bad requests", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(36);
    expect(new Set(CORPUS.map((probe) => probe.name)).size).toBe(CORPUS.length);
  });

  it.for(CORPUS.map((probe) => probe.name))("%s", (name, context) => {
    if (!real || !emulated) return context.skip();
    const pair = { real: real.get(name), emulator: emulated.get(name) };
    if (KEPT_DIFFERENCES[name] === undefined) {
      expect(pair.emulator).toEqual(pair.real);
    } else {
      expect(pair.emulator, `listed as a kept difference: ${KEPT_DIFFERENCES[name]}`).not.toEqual(pair.real);
    }
  });
});

describe("differential: rate limiting", () => {
  it(
    "429 past the burst, the same body, no Retry-After, on both",
    async (context) => {
      const binary = await netbirdBinary();
      if (!binary) return context.skip();
      const server = await startNetbirdServer(binary, { rateLimit: { rpm: 6, burst: 2 } });
      const emu = await startEmulator({ now: new Date() });
      try {
        emu.netbird.setRateLimit({ rpm: 6, burst: 2 });
        const targets = [await serverTarget(server), emulatorTarget(emu)];
        const seen = [];
        for (const t of targets) {
          const statuses = [];
          let last: Answer | undefined;
          for (let index = 0; index < 3; index++) {
            const reply = await t.send("GET", `/api/users/${t.adminUserId}/tokens`, { headers: admin(t) });
            statuses.push(reply.status);
            last = {
              status: reply.status,
              type: reply.contentType.split(";")[0] ?? "",
              // JSON as parsed: Go's encoder ends the body with a newline, the emulator's does not.
              body: JSON.parse(reply.text) as unknown,
              retryAfter: reply.headers["retry-after"],
            };
          }
          seen.push({ statuses, last });
        }
        expect(seen[0]).toEqual({
          statuses: [200, 200, 429],
          last: {
            status: 429,
            type: "application/json",
            body: { message: "too many requests", code: 429 },
            retryAfter: undefined,
          },
        });
        expect(seen[1]).toEqual(seen[0]);
      } finally {
        await server.stop();
        await emu.close();
      }
    },
    35 * 60_000,
  );
});
