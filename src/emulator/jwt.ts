/**
 * RS256 signing helpers (jose). Gcore signs with RSA 4096 (512-byte signatures), and so does the emulator:
 * the JWTs a client stores are as long as the real ones. Generating that key takes about a second, so one
 * process makes it once ({@link gcoreKeyPair}). ICP's keys are RSA 2048.
 */
import { createHash, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { type JWTPayload, jwtVerify, SignJWT } from "jose";
import { BASE32_STD, base32 } from "./encoding.ts";

const generateKeyPairAsync = promisify(generateKeyPair);

/** An RSA key pair for RS256. */
export interface RsaKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Generates an RSA 2048 key pair. */
export async function generateRsaKeyPair(): Promise<RsaKeyPair> {
  return generateKeyPairAsync("rsa", { modulusLength: 2048 });
}

let gcoreKey: Promise<RsaKeyPair> | undefined;

/**
 * The RSA 4096 key pair of Gcore's emulated IAM, made once per process: every emulator of a process
 * signs with it, so one accepts the JWTs another issued (each still knows only its own users).
 */
export function gcoreKeyPair(): Promise<RsaKeyPair> {
  return (gcoreKey ??= generateKeyPairAsync("rsa", { modulusLength: 4096 }));
}

/**
 * Signs `claims` (in the given key order, nothing added: no iat unless present) with RS256.
 * `header` is merged after `{typ:"JWT", alg:"RS256"}`.
 */
export async function signRs256(
  claims: Record<string, unknown>,
  key: RsaKeyPair,
  header: Record<string, string> = {},
): Promise<string> {
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader({ typ: "JWT", alg: "RS256", ...header })
    .sign(key.privateKey);
}

/** Verifies signature, exp and nbf against `now` (no clock tolerance); returns the claims. */
export async function verifyRs256(
  token: string,
  key: RsaKeyPair,
  now: Date,
  options: { issuer?: string } = {},
): Promise<Record<string, unknown>> {
  const { payload } = await jwtVerify(token, key.publicKey, {
    algorithms: ["RS256"],
    currentDate: now,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
  });
  return payload as Record<string, unknown>;
}

/**
 * libtrust key id (Docker): base32 of the first 30 bytes of SHA-256(DER SubjectPublicKeyInfo), as 12 groups of
 * 4 characters separated by ':'.
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: "spki", format: "der" });
  const digest = createHash("sha256").update(spki).digest().subarray(0, 30);
  return (base32(digest, BASE32_STD).match(/.{4}/g) ?? []).join(":");
}
