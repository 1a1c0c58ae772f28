import { randomBytes, randomInt, timingSafeEqual } from "node:crypto";

/** `[0-9A-Za-z]` in the order NetBird's base62 uses. */
export const BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** RFC 4648 base32 alphabet (libtrust key ids). */
export const BASE32_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32hex, lower case (xid). */
export const BASE32_HEX_LOWER = "0123456789abcdefghijklmnopqrstuv";

/** `length` uniformly random characters of `[0-9A-Za-z]`. */
export function randomBase62(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += BASE62_ALPHABET[randomInt(62)];
  return out;
}

/** `bytes` random bytes as lower-case hex (2 characters per byte). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** Base32 without padding, most significant bits first. */
export function base32(bytes: Uint8Array, alphabet: string): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/** Constant-time string comparison (different lengths compare unequal). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
