/**
 * In-process certificate authority for the HTTPS mode: an ECDSA P-256 CA (self-signed, CA:true) and server
 * certificates signed by it, built with node:crypto and a minimal DER encoder (no dependency).
 *
 * Validity uses the REAL time (now − 1 h … now + 1 year), not the emulator clock: TLS peers check certificates
 * against the system clock, so a frozen emulator clock in 2035 must not make the handshake fail.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
  sign,
} from "node:crypto";
import { isIPv4 } from "node:net";
import { promisify } from "node:util";
import * as der from "./der.ts";

const generateKeyPairAsync = promisify(generateKeyPair);

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  sha256WithRsaEncryption: "1.2.840.113549.1.1.11",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** A generated certificate authority. */
export interface CertificateAuthority {
  /** The CA certificate (PEM), to trust in clients. */
  readonly certificatePem: string;
  /** The CA private key (PKCS#8 PEM). Test material only. */
  readonly privateKeyPem: string;
  /** Subject common name of the CA. */
  readonly commonName: string;
}

/** A server certificate and its key, ready for `https.createServer({ cert, key })`. */
export interface ServerCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** Names a server certificate is valid for. */
export interface ServerCertificateNames {
  dnsNames: string[];
  /** IPv4 addresses only. */
  ipAddresses: string[];
}

/** The names of the emulator's own server certificate. */
export const EMULATOR_CERT_NAMES: ServerCertificateNames = {
  dnsNames: ["localhost", "mycluster.icp"],
  ipAddresses: ["127.0.0.1"],
};

/**
 * Generates a fresh self-signed CA (ECDSA P-256, CA:true, keyCertSign). Each call gives a different CA, so tests
 * can also use it as a WRONG CA.
 */
export async function generateCertificateAuthority(
  commonName = `pulumi-tokens emulator CA ${randomBytes(4).toString("hex")}`,
): Promise<CertificateAuthority> {
  const { publicKey, privateKey } = await newKeyPair();
  const spki = publicKey.export({ type: "spki", format: "der" });
  const name = distinguishedName(commonName);
  const keyId = keyIdentifier(spki);
  const extensions = [
    extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
    // keyCertSign (bit 5) + cRLSign (bit 6) + digitalSignature (bit 0): 1000 0110, 1 unused bit.
    extension(OID.keyUsage, true, der.bitString(Buffer.from([0x86]), 1)),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyId)),
  ];
  const certificate = buildCertificate({ issuer: name, subject: name, spki, extensions, signer: privateKey });
  return {
    certificatePem: der.pem("CERTIFICATE", certificate),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    commonName,
  };
}

/** Issues a server certificate (serverAuth, SANs = the given DNS names and IPs) signed by `ca`. */
export async function issueServerCertificate(
  ca: CertificateAuthority,
  names: ServerCertificateNames = EMULATOR_CERT_NAMES,
): Promise<ServerCertificate> {
  const caKey = createPrivateKey(ca.privateKeyPem);
  const caSpki = createPublicKey(caKey).export({ type: "spki", format: "der" });
  const { publicKey, privateKey } = await newKeyPair();
  const spki = publicKey.export({ type: "spki", format: "der" });
  const altNames = [
    ...names.dnsNames.map((dns) => der.tlv(0x82, Buffer.from(dns, "ascii"))),
    ...names.ipAddresses.map((ip) => {
      if (!isIPv4(ip)) throw new Error(`issueServerCertificate supports IPv4 addresses only, got ${ip}`);
      return der.tlv(0x87, Buffer.from(ip.split(".").map(Number)));
    }),
  ];
  const extensions = [
    extension(OID.basicConstraints, true, der.sequence()),
    // digitalSignature (bit 0): 1000 0000, 7 unused bits.
    extension(OID.keyUsage, true, der.bitString(Buffer.from([0x80]), 7)),
    extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth))),
    extension(OID.subjectAltName, false, der.sequence(...altNames)),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(spki))),
    extension(OID.authorityKeyIdentifier, false, der.sequence(der.tlv(0x80, keyIdentifier(caSpki)))),
  ];
  const certificate = buildCertificate({
    issuer: distinguishedName(ca.commonName),
    subject: distinguishedName(names.dnsNames[0] ?? names.ipAddresses[0] ?? "emulator"),
    spki,
    extensions,
    signer: caKey,
  });
  return {
    certificatePem: der.pem("CERTIFICATE", certificate),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

/**
 * A self-signed certificate for a token signing key (RSA or EC), as token servers publish beside their JWKS
 * (distribution's `rootcertbundle`). No extensions beyond the key identifier: it certifies a key, not a host.
 */
export function selfSignedKeyCertificate(
  keys: { publicKey: KeyObject; privateKey: KeyObject },
  commonName: string,
): string {
  const spki = keys.publicKey.export({ type: "spki", format: "der" });
  const name = distinguishedName(commonName);
  const extensions = [
    extension(OID.basicConstraints, true, der.sequence()),
    extension(OID.keyUsage, true, der.bitString(Buffer.from([0x80]), 7)),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(spki))),
  ];
  const certificate = buildCertificate({
    issuer: name,
    subject: name,
    spki,
    extensions,
    signer: keys.privateKey,
  });
  return der.pem("CERTIFICATE", certificate);
}

async function newKeyPair(): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return generateKeyPairAsync("ec", { namedCurve: "prime256v1" });
}

function distinguishedName(commonName: string): Buffer {
  const rdn = (type: string, value: string) => der.set(der.sequence(der.oid(type), der.utf8String(value)));
  return der.sequence(rdn(OID.organization, "pulumi-tokens emulator"), rdn(OID.commonName, commonName));
}

/** RFC 5280 allows any unique key id; SHA-1 of the SubjectPublicKeyInfo is unique enough. */
function keyIdentifier(spki: Buffer): Buffer {
  return createHash("sha1").update(spki).digest();
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? der.sequence(der.oid(id), der.boolean(true), der.octetString(value))
    : der.sequence(der.oid(id), der.octetString(value));
}

function buildCertificate(parts: {
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  extensions: Buffer[];
  signer: KeyObject;
}): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive and without a leading zero byte
  const now = Date.now();
  // ECDSA identifiers have no parameters; RSA ones carry an explicit NULL (RFC 4055).
  const algorithm =
    parts.signer.asymmetricKeyType === "rsa"
      ? der.sequence(der.oid(OID.sha256WithRsaEncryption), der.tlv(0x05, Buffer.alloc(0)))
      : der.sequence(der.oid(OID.ecdsaWithSha256));
  const tbs = der.sequence(
    der.explicit(0, der.unsignedInteger(Buffer.from([2]))), // v3
    der.unsignedInteger(serial),
    algorithm,
    parts.issuer,
    der.sequence(der.time(new Date(now - 3_600_000)), der.time(new Date(now + 365 * 86_400_000))),
    parts.subject,
    parts.spki,
    der.explicit(3, der.sequence(...parts.extensions)),
  );
  const signature = sign("sha256", tbs, parts.signer); // PKCS#1 v1.5, or ECDSA-Sig-Value DER, as X.509 wants
  return der.sequence(tbs, algorithm, der.bitString(signature));
}
