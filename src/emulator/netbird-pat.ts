/**
 * NetBird PAT formats (api-notes §2 "Plain token format"): `nbp_` + 30 base62 secret + 6-char base62 CRC32
 * checksum, token ids as xid, and Go's RFC 3339 time format.
 */
import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { BASE32_HEX_LOWER, BASE62_ALPHABET, base32, randomBase62 } from "./encoding.ts";

const PREFIX = "nbp_";
const SECRET_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
/** Total plain-token length. */
export const PLAIN_TOKEN_LENGTH = PREFIX.length + SECRET_LENGTH + CHECKSUM_LENGTH;

/** CRC32 (IEEE) of the secret, base62 (most significant digit first), left-padded with '0' to 6 chars. */
export function netbirdChecksum(secret: string): string {
  let value = crc32(secret) >>> 0;
  let out = "";
  do {
    out = BASE62_ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  } while (value > 0);
  return out.padStart(CHECKSUM_LENGTH, "0");
}

/** A new plain token with a valid checksum. */
export function newPlainToken(): string {
  const secret = randomBase62(SECRET_LENGTH);
  return `${PREFIX}${secret}${netbirdChecksum(secret)}`;
}

/** Length, prefix, checksum alphabet and checksum value checks, in NetBird's order. */
export function isWellFormedPlainToken(token: string): boolean {
  if (token.length !== PLAIN_TOKEN_LENGTH || !token.startsWith(PREFIX)) return false;
  const secret = token.slice(PREFIX.length, PREFIX.length + SECRET_LENGTH);
  const checksum = token.slice(PREFIX.length + SECRET_LENGTH);
  let decoded = 0;
  for (const char of checksum) {
    const digit = BASE62_ALPHABET.indexOf(char);
    if (digit < 0) return false;
    decoded = decoded * 62 + digit;
  }
  return decoded === crc32(secret) >>> 0;
}

/** What the server stores: base64(sha256(plainToken)). */
export function hashPlainToken(token: string): string {
  return createHash("sha256").update(token).digest("base64");
}

const machineAndPid = randomBytes(5);
let xidCounter = randomBytes(3).readUIntBE(0, 3);

/** A 20-character xid (base32hex, lower case): 4-byte time (seconds), 5 random process bytes, 3-byte counter. */
export function newXid(now: Date): string {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.floor(now.getTime() / 1000) >>> 0, 0);
  machineAndPid.copy(bytes, 4);
  xidCounter = (xidCounter + 1) & 0xffffff;
  bytes.writeUIntBE(xidCounter, 9, 3);
  return base32(bytes, BASE32_HEX_LOWER);
}

/** Go's `time.Time` JSON form (RFC 3339 with trailing fractional zeros trimmed), in UTC. */
export function goTime(at: Date): string {
  return at.toISOString().replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : "Z"));
}

/** `at` + `days` calendar days, as Go's `AddDate(0, 0, days)` in UTC. */
export function addDays(at: Date, days: number): Date {
  const out = new Date(at.getTime());
  out.setUTCDate(out.getUTCDate() + days);
  return out;
}
