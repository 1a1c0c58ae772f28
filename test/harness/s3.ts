/**
 * A real S3-compatible state backend for engine tests: versitygw (built by scripts/ensure-versitygw.sh from
 * the Go module proxy) serving a temp directory on a loopback port, with one bucket made by a SigV4-signed
 * PUT. Pulumi logs in with {@link S3Server.backendUrl} and {@link S3Server.env}.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REGION = "us-east-1";

/** What the build script said: a binary, or why there is none. */
export type Versitygw = { binary: string } | { skipped: string };

/**
 * Builds (once; seconds when cached) or finds versitygw. No Go toolchain: a loud `SKIPPED:` line, or under
 * `CI=true` an error. A failed build is always an error.
 */
export async function ensureVersitygw(timeoutMs = 600_000): Promise<Versitygw> {
  const started = Date.now();
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    execFile(
      "bash",
      [join(ROOT, "scripts/ensure-versitygw.sh")],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
  if (result.code === 0) {
    const binary = result.stdout.trim().split("\n").at(-1) ?? "";
    // eslint-disable-next-line no-console -- cold builds must show their cost
    console.info(`s3: versitygw ready in ${Date.now() - started} ms: ${binary}`);
    return { binary };
  }
  const why = `versitygw could not be built (scripts/ensure-versitygw.sh exited ${String(result.code)}): ${result.stderr.trim()}`;
  if (result.code === 2 && process.env.CI !== "true") {
    // eslint-disable-next-line no-console -- a skipped real server must be loud
    console.warn(`SKIPPED: the S3 backend tests: ${why}`);
    return { skipped: why };
  }
  throw new Error(why);
}

/** A free TCP port on 127.0.0.1 (closed again at once; the caller binds it next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/**
 * Signs a request with AWS Signature Version 4 (header form, no query string, an empty or given body).
 * Returns the headers to send.
 */
export function signV4(request: {
  method: string;
  url: URL;
  body?: string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
  now?: Date;
}): Record<string, string> {
  const region = request.region ?? REGION;
  const stamp = (request.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const date = stamp.slice(0, 8);
  const payloadHash = sha256(request.body ?? "");
  const headers: Record<string, string> = {
    host: request.url.host,
    "x-amz-content-sha256": payloadHash,
    "x-amz-date": stamp,
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    request.method,
    request.url.pathname,
    "",
    ...names.map((name) => `${name}:${headers[name]}`),
    "",
    names.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", stamp, scope, sha256(canonical)].join("\n");
  let key: Buffer = hmac(`AWS4${request.secretAccessKey}`, date);
  for (const part of [region, "s3", "aws4_request"]) key = hmac(key, part);
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${request.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}

/** A running versitygw over a directory, and how Pulumi reaches it. */
export class S3Server {
  readonly binary: string;
  readonly dir: string;
  readonly port: number;
  readonly bucket: string;
  readonly accessKeyId = "pulumi-tokens-tests";
  readonly secretAccessKey = randomBytes(18).toString("base64url");
  #process: ChildProcess | undefined;
  #log = "";

  private constructor(binary: string, dir: string, port: number, bucket: string) {
    this.binary = binary;
    this.dir = dir;
    this.port = port;
    this.bucket = bucket;
  }

  /** Starts versitygw over a new temp dir on a free loopback port and creates `bucket`. */
  static async start(binary: string, bucket = "pulumi-state"): Promise<S3Server> {
    const dir = await mkdtemp(join(tmpdir(), "pt-s3-"));
    const server = new S3Server(binary, dir, await freePort(), bucket);
    await server.restart();
    await server.createBucket();
    return server;
  }

  /** The S3 endpoint. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What `pulumi login` takes (`PULUMI_BACKEND_URL`). */
  get backendUrl(): string {
    return `s3://${this.bucket}?endpoint=${this.endpoint}&s3ForcePathStyle=true&region=${REGION}`;
  }

  /** The credentials the S3 backend reads. */
  get env(): Record<string, string> {
    return { AWS_ACCESS_KEY_ID: this.accessKeyId, AWS_SECRET_ACCESS_KEY: this.secretAccessKey };
  }

  /** Whether the gateway is running. */
  get running(): boolean {
    return this.#process !== undefined;
  }

  /** What the gateway printed (it runs with --quiet, so errors only). */
  get log(): string {
    return this.#log;
  }

  /** (Re)starts the gateway on the same directory and port; resolves once it accepts requests. */
  async restart(timeoutMs = 15_000): Promise<void> {
    if (this.#process) return;
    const child = spawn(
      this.binary,
      [
        "--access",
        this.accessKeyId,
        "--secret",
        this.secretAccessKey,
        "--port",
        `127.0.0.1:${this.port}`,
        "--quiet",
        "posix",
        this.dir,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.#process = child;
    child.stdout.on("data", (chunk: Buffer) => (this.#log += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (this.#log += chunk.toString()));
    child.once("exit", () => {
      if (this.#process === child) this.#process = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.#process) throw new Error(`versitygw exited at start:\n${this.#log}`);
      try {
        await fetch(this.endpoint, { signal: AbortSignal.timeout(1000) });
        return;
      } catch {
        if (Date.now() > deadline) {
          await this.stop();
          throw new Error(
            `versitygw did not listen on ${this.endpoint} within ${timeoutMs} ms:\n${this.#log}`,
          );
        }
        await new Promise((done) => setTimeout(done, 100));
      }
    }
  }

  /** Creates the bucket with one signed PUT. */
  async createBucket(): Promise<void> {
    await this.#put(`/${this.bucket}`, `creating bucket ${this.bucket}`);
  }

  /**
   * Creates a directory object (`<prefix>/`, empty). versitygw's posix backend keeps a key's folders as
   * directories and, when it deletes an object, removes the folders left empty up to the first directory
   * object; a PUT that needs a folder another request is removing fails with 409. Pulumi deletes its lock
   * objects, so lock writes of different stacks of one project race on `.pulumi/locks/organization/<project>`
   * unless that folder is a directory object.
   */
  async putDirectory(prefix: string): Promise<void> {
    await this.#put(`/${this.bucket}/${prefix.replace(/\/*$/, "/")}`, `creating directory ${prefix}`);
  }

  async #put(path: string, what: string): Promise<void> {
    const url = new URL(`${this.endpoint}${path}`);
    const headers = signV4({
      method: "PUT",
      url,
      accessKeyId: this.accessKeyId,
      secretAccessKey: this.secretAccessKey,
    });
    const response = await fetch(url, { method: "PUT", headers, signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  }

  /** Stops the gateway (SIGTERM, then SIGKILL after 5 s); the directory stays for a restart. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (!child) return;
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
    this.#process = undefined;
  }

  /** Stops the gateway and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
