/**
 * `pulumi-tokens/emulator`: loopback emulators of the NetBird, Gcore IAM and IBM Cloud Private token APIs and a
 * generic Docker registry token server, for tests and demos. Start one with {@link startEmulator}.
 */
export { NOW_ENV_VAR } from "./clock.ts";
export { MAX_BODY_BYTES, startEmulator } from "./server.ts";
export {
  type CertificateAuthority,
  EMULATOR_CERT_NAMES,
  generateCertificateAuthority,
  issueServerCertificate,
  type ServerCertificate,
  type ServerCertificateNames,
} from "./tls.ts";
export type {
  Emulator,
  EmulatorClock,
  EmulatorOptions,
  EmulatorSeeds,
  EmulatorVendor,
  FaultInjector,
  FaultKind,
  GcoreControl,
  IcpControl,
  RegistryAccountSeed,
  RegistryControl,
  RegistryModes,
  RegistrySigningKey,
  NetbirdControl,
  NetbirdTokenInfo,
  RequestLogEntry,
} from "./types.ts";
