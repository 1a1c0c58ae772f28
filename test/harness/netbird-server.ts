/**
 * The real NetBird management server (v0.69.0, built by scripts/ensure-netbird.sh) for tests: started
 * standalone on loopback (sqlite in a temp dir, plain HTTP, free ports), with a loopback identity
 * provider the test controls (a JWKS this process serves, JWTs signed here with jose), and seeded
 * through its own API: the owner (first JWT login), a regular user (second JWT login, role "user",
 * approved by the owner), a service user (POST /api/users) and the owner's PAT
 * (POST /api/users/{owner}/tokens).
 *
 * Tests talk to it through a counting proxy ({@link NetbirdServer.url}): every request the provider
 * sends is logged with the route name the emulator uses (`netbird.createToken 200`), so a "0-call
 * plain up" is proven on the real server too. The harness's own bookkeeping (listing tokens, seeding)
 * goes straight to the server with a JWT, which the rate limiter ignores, and is never logged.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/** The version tools/netbird-management/go.mod pins. */
export const NETBIRD_VERSION = "0.69.0";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const AUDIENCE = "pulumi-tokens-tests";
/** A build from cold takes about 8 min on 2 cores. */
const BUILD_TIMEOUT_MS = 30 * 60_000;
const START_TIMEOUT_MS = 30_000;

/** One request the provider sent, as the emulator's request log names it. */
export interface LoggedRequest {
  route: string;
  method: string;
  path: string;
  status: number;
}

/** A running server, seeded. */
export interface NetbirdServer {
  /** The management URL to give the provider: the counting proxy in front of the server. */
  readonly url: string;
  /** The server itself (requests there are not logged). */
  readonly directUrl: string;
  /** The owner's PAT (365 days): the admin credential of the scenarios. */
  readonly adminToken: string;
  readonly adminTokenId: string;
  readonly adminUserId: string;
  /** A user who logged in once by JWT: role "user", no rights on PATs. */
  readonly plainUserId: string;
  /** A service user of the owner's account, role "user". */
  readonly serviceUserId: string;
  /** The rate limit the server enforces on PAT requests, if any. */
  readonly rateLimit: { rpm: number; burst: number } | undefined;
  /** A JWT of the test's identity provider for `sub` (valid 1 h unless `expiresInSeconds`). */
  mintJwt(sub: string, options?: { expiresInSeconds?: number; issuedAt?: number }): Promise<string>;
  /** The user's tokens as the API lists them (owner's JWT, not logged, not rate limited). */
  tokens(
    userId: string,
  ): Promise<{ id: string; name: string; expiration_date: string; last_used?: string }[]>;
  /** Creates a token outside Pulumi (owner's JWT): its id and plain token. */
  issueToken(userId: string, name: string, expiresInDays: number): Promise<{ id: string; plain: string }>;
  /** Deletes a token outside Pulumi (owner's JWT); false when it was gone. */
  deleteToken(userId: string, tokenId: string): Promise<boolean>;
  /** Does this PAT authenticate now? One GET (not logged; counts against its rate limit). */
  authenticates(plainToken: string): Promise<boolean>;
  /** A raw request to the server (not logged), for the differential test. */
  send(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; contentType: string; text: string; headers: Record<string, string> }>;
  /** The requests the proxy saw since the last clear. */
  requests(): LoggedRequest[];
  clearRequests(): void;
  /** Every TCP address the server process listens on (from /proc), e.g. `127.0.0.1:41234`. */
  listeners(): Promise<string[]>;
  /** The server's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** Options for {@link startNetbirdServer}. */
export interface NetbirdServerOptions {
  /** Enables the server's per-PAT limiter (`NB_API_RATE_LIMITING_*`). */
  rateLimit?: { rpm: number; burst: number };
}

let binary: Promise<string | undefined> | undefined;

/**
 * The server binary, built by scripts/ensure-netbird.sh on first use (seconds when cached). Without Go:
 * under `CI=true` this throws; elsewhere it prints a loud `SKIPPED:` line and gives undefined.
 */
export function netbirdBinary(): Promise<string | undefined> {
  binary ??= new Promise((resolve, reject) => {
    const started = Date.now();
    execFile(
      "bash",
      [join(ROOT, "scripts", "ensure-netbird.sh")],
      { cwd: ROOT, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) {
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          // eslint-disable-next-line no-console -- a cold build takes minutes: say where they went
          if (stderr.trim()) console.info(`${stderr.trim()}\nnetbird: server ready in ${seconds}s`);
          resolve(stdout.trim().split("\n").at(-1));
          return;
        }
        const noGo = (error as { code?: unknown }).code === 2;
        const why = `NetBird management v${NETBIRD_VERSION} could not be built: ${stderr.trim() || error.message}`;
        if (!noGo || process.env.CI === "true") {
          reject(new Error(why));
          return;
        }
        // eslint-disable-next-line no-console -- a skipped real-server suite must be seen
        console.warn(
          `\n${"!".repeat(80)}\nSKIPPED: the real NetBird server tests. ${why}\n${"!".repeat(80)}\n`,
        );
        resolve(undefined);
      },
    );
  });
  return binary;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** The TCP addresses process `pid` listens on, from /proc (Linux): IPv4 as `a.b.c.d:port`, IPv6 as `[hex]:port`. */
async function listeningAddresses(pid: number): Promise<string[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode) inodes.add(inode);
  }
  const found: string[] = [];
  for (const table of ["tcp", "tcp6"]) {
    const lines = (await readFile(`/proc/${pid}/net/${table}`, "utf8")).trim().split("\n").slice(1);
    for (const line of lines) {
      const [, local = "", , state, , , , , , inode = ""] = line.trim().split(/\s+/);
      if (state !== "0A" || !inodes.has(inode)) continue; // 0A: LISTEN
      const [hex = "", port = ""] = local.split(":");
      const address =
        table === "tcp"
          ? (hex.match(/../g) ?? [])
              .reverse()
              .map((byte) => parseInt(byte, 16))
              .join(".")
          : `[${hex}]`;
      found.push(`${address}:${parseInt(port, 16)}`);
    }
  }
  return found.sort();
}

/** The emulator's route names, so one scenario can assert the same request log on both backends. */
export function routeName(method: string, path: string): string {
  const bare = path.split("?")[0] ?? "";
  if (bare === "/api/users/current" && method === "GET") return "netbird.currentUser";
  if (/^\/api\/users\/[^/]+\/tokens\/?$/.test(bare)) {
    if (method === "GET") return "netbird.listTokens";
    if (method === "POST") return "netbird.createToken";
  }
  if (/^\/api\/users\/[^/]+\/tokens\/[^/]+$/.test(bare)) {
    if (method === "GET") return "netbird.getToken";
    if (method === "DELETE") return "netbird.deleteToken";
  }
  return "unknown";
}

/**
 * One HTTP request with node:http, headers sent exactly as given (fetch would trim `Token ` to `Token`):
 * status, content type, text and headers of the answer.
 */
export function sendHttp(
  baseUrl: string,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; contentType: string; text: string; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const body = init.body;
    const outgoing = httpRequest(
      `${baseUrl}${path}`,
      {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...init.headers },
        timeout: 15_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers["content-type"] ?? ""),
            text: Buffer.concat(chunks).toString(),
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([key, value]) => [key, String(value)]),
            ),
          }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`${method} ${path}: timed out`)));
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** Starts a server (build it first with {@link netbirdBinary}). */
export async function startNetbirdServer(
  executable: string,
  options: NetbirdServerOptions = {},
): Promise<NetbirdServer> {
  const dir = await mkdtemp(join(tmpdir(), "pt-netbird-"));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  let child: ChildProcess | undefined;
  let output = "";
  try {
    // The identity provider: one RSA key, its JWKS on loopback.
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const kid = randomUUID();
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
    const idp = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=3600" });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    const issuer = await listen(idp);
    cleanups.push(() => close(idp));
    const mintJwt = (
      sub: string,
      { expiresInSeconds = 3600, issuedAt }: { expiresInSeconds?: number; issuedAt?: number } = {},
    ) => {
      const iat = issuedAt ?? Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setSubject(sub)
        .setIssuer(`${issuer}/`)
        .setAudience(AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + expiresInSeconds)
        .sign(privateKey);
    };

    const port = await freePort();
    const metricsPort = await freePort();
    const config = join(dir, "management.json");
    await writeFile(
      config,
      JSON.stringify({
        Stuns: [],
        Signal: { Proto: "http", URI: "127.0.0.1:1" },
        Datadir: join(dir, "data"),
        HttpConfig: {
          AuthIssuer: `${issuer}/`,
          AuthAudience: AUDIENCE,
          AuthUserIDClaim: "sub",
          AuthKeysLocation: `${issuer}/.well-known/jwks.json`,
        },
        StoreConfig: { Engine: "sqlite" },
      }),
    );
    child = spawn(
      executable,
      [
        "management",
        "--config",
        config,
        "--datadir",
        join(dir, "data"),
        "--port",
        String(port),
        "--metrics-port",
        String(metricsPort),
        "--disable-legacy-port",
        "--disable-anonymous-metrics",
        "--log-file",
        "console",
        "--log-level",
        "warn",
      ],
      {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          PATH: process.env.PATH ?? "",
          HOME: dir,
          NB_DISABLE_GEOLOCATION: "true",
          ...(options.rateLimit
            ? {
                NB_API_RATE_LIMITING_ENABLED: "true",
                NB_API_RATE_LIMITING_RPM: String(options.rateLimit.rpm),
                NB_API_RATE_LIMITING_BURST: String(options.rateLimit.burst),
              }
            : {}),
        },
      },
    );
    const running = child;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-64 * 1024);
    };
    running.stdout?.on("data", collect);
    running.stderr?.on("data", collect);
    cleanups.push(async () => {
      if (running.exitCode === null && running.signalCode === null) {
        running.kill("SIGTERM");
        const timer = setTimeout(() => running.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
    });
    const directUrl = `http://127.0.0.1:${port}`;

    const send: NetbirdServer["send"] = (method, path, init) => sendHttp(directUrl, method, path, init);

    // Ready when the API answers (401 without credentials).
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (running.exitCode !== null) throw new Error(`the NetBird server exited (${running.exitCode})`);
      const answer = await send("GET", "/api/users/current").catch(() => undefined);
      if (answer?.status === 401) break;
      if (Date.now() > deadline)
        throw new Error(`the NetBird server did not answer within ${START_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Seeding, through the API only.
    const adminUserId = "owner-user";
    const plainUserId = "plain-user";
    const asOwner = async (method: string, path: string, json?: unknown) => {
      const answer = await send(method, path, {
        headers: { authorization: `Bearer ${await mintJwt(adminUserId)}` },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      if (answer.status !== 200) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
      return JSON.parse(answer.text) as unknown;
    };
    const me = (await asOwner("GET", "/api/users/current")) as { id: string; role: string };
    if (me.id !== adminUserId || me.role !== "owner") throw new Error(`first login: ${JSON.stringify(me)}`);
    // The second login joins the owner's account pending approval (the default of new accounts).
    const asPlain = async () =>
      send("GET", "/api/users/current", {
        headers: { authorization: `Bearer ${await mintJwt(plainUserId)}` },
      });
    const joined = await asPlain();
    if (joined.status !== 403 && joined.status !== 200)
      throw new Error(`second login: ${joined.status} ${joined.text}`);
    if (joined.status === 403) await asOwner("POST", `/api/users/${plainUserId}/approve`);
    const plain = await asPlain();
    if (plain.status !== 200) throw new Error(`second login: ${plain.status} ${plain.text}`);
    const service = (await asOwner("POST", "/api/users", {
      name: "ci",
      role: "user",
      auto_groups: [],
      is_service_user: true,
    })) as { id: string };
    const issueToken = async (userId: string, name: string, expiresInDays: number) => {
      const issued = (await asOwner("POST", `/api/users/${encodeURIComponent(userId)}/tokens`, {
        name,
        expires_in: expiresInDays,
      })) as { plain_token: string; personal_access_token: { id: string } };
      return { id: issued.personal_access_token.id, plain: issued.plain_token };
    };
    // Named as the emulator names its seeded admin token, so the two list alike.
    const admin = await issueToken(adminUserId, "admin-token", 365);

    // The counting proxy.
    const log: LoggedRequest[] = [];
    const proxy = createServer((incoming, outgoingResponse) => {
      const forward = httpRequest(
        `${directUrl}${incoming.url ?? "/"}`,
        { method: incoming.method, headers: { ...incoming.headers, host: `127.0.0.1:${port}` } },
        (answer) => {
          const method = incoming.method ?? "GET";
          const path = incoming.url ?? "/";
          log.push({ route: routeName(method, path), method, path, status: answer.statusCode ?? 0 });
          outgoingResponse.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoingResponse);
        },
      );
      forward.on("error", () => {
        outgoingResponse.destroy();
      });
      incoming.pipe(forward);
    });
    const url = await listen(proxy);
    cleanups.push(() => close(proxy));

    return {
      url,
      directUrl,
      adminToken: admin.plain,
      adminTokenId: admin.id,
      adminUserId,
      plainUserId,
      serviceUserId: service.id,
      rateLimit: options.rateLimit,
      mintJwt,
      async tokens(userId) {
        const list = (await asOwner("GET", `/api/users/${encodeURIComponent(userId)}/tokens`)) as
          | { id: string; name: string; expiration_date: string; last_used?: string; created_at: string }[]
          | null;
        return (list ?? []).sort((a, b) => a.created_at.localeCompare(b.created_at));
      },
      issueToken,
      async deleteToken(userId, tokenId) {
        const answer = await send("DELETE", `/api/users/${encodeURIComponent(userId)}/tokens/${tokenId}`, {
          headers: { authorization: `Bearer ${await mintJwt(adminUserId)}` },
        });
        if (answer.status !== 200 && answer.status !== 404)
          throw new Error(`delete: ${answer.status} ${answer.text}`);
        return answer.status === 200;
      },
      async authenticates(plainToken) {
        const answer = await send("GET", "/api/users/current", {
          headers: { authorization: `Token ${plainToken}` },
        });
        // A service user's PAT authenticates but may not ask who it is (403).
        if (answer.status === 200 || answer.status === 403) return true;
        if (answer.status === 401 || answer.status === 404) return false;
        throw new Error(`authenticates: ${answer.status} ${answer.text}`);
      },
      send,
      requests: () => log.map((entry) => ({ ...entry })),
      clearRequests() {
        log.length = 0;
      },
      listeners: () => listeningAddresses(running.pid ?? 0),
      log: () => output,
      async stop() {
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- server log ---\n${output}`,
      {
        cause: error,
      },
    );
  }
}
