/**
 * The secrets assertion every engine scenario ends with (issue #9): no plaintext credential at rest,
 * in `__provider`, in anything the engine printed, or in an error message; and credentials that came
 * from stack config or the environment not stored at all, not even encrypted.
 */
import { expect } from "vitest";
import type { TestStack } from "./engine.ts";
import { KINDS } from "../../src/kinds.ts";

/** Credential shapes that must never appear in plain text, whether or not a test saw the value. */
export const CREDENTIAL_PATTERNS: readonly { name: string; pattern: RegExp }[] = [
  // NetBird PAT: "nbp_", 30 base62 characters and a 6-character base62 checksum.
  { name: "a NetBird personal access token", pattern: /nbp_[A-Za-z0-9]{36}/ },
  // A JWT: base64url JSON header ("{"" is "eyJ"), payload and signature (empty for alg "none").
  { name: "a JWT", pattern: /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/ },
  { name: "a PEM private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
];

/** Known secrets shorter than this would match innocent text; the helpers refuse them. */
const MIN_SECRET_LENGTH = 8;

/** The dynamic resources' type tokens by kind module, from the kind registry (src/kinds.ts). */
export const TOKEN_TYPES: Readonly<Record<string, string>> = Object.fromEntries(
  KINDS.map((kind) => [kind.vendor, `pulumi-nodejs:dynamic/${kind.vendor}:${kind.type}`]),
);

/** A secret named without printing it: its first characters and its length. */
export function label(secret: string): string {
  return `${JSON.stringify(`${secret.slice(0, 6)}…`)} (${secret.length} characters)`;
}

/** The forms a secret takes in text: as is, and JSON-escaped (state and nested JSON documents). */
function formsOf(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  const twice = JSON.stringify(escaped).slice(1, -1);
  return [...new Set([secret, escaped, twice])];
}

/**
 * What in `text` is a known secret or credential-shaped, as findings that never quote a secret.
 * Pure: the unit the engine assertions build on.
 */
export function findSecrets(text: string, known: Iterable<string> = []): string[] {
  const findings: string[] = [];
  for (const secret of new Set(known)) {
    if (formsOf(secret).some((form) => text.includes(form)))
      findings.push(`the known secret ${label(secret)}`);
  }
  for (const { name, pattern } of CREDENTIAL_PATTERNS) {
    const match = new RegExp(pattern.source, "g").exec(text);
    if (match) findings.push(`${name} ${label(match[0])} at offset ${match.index}`);
  }
  return findings;
}

/** The text of an error as a user could see it: message, stack and enumerable fields. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let fields: string;
  try {
    fields = JSON.stringify({ ...error });
  } catch {
    fields = Object.keys(error).join(",");
  }
  return `${error.message}\n${error.stack ?? ""}\n${fields}`;
}

function checkedSecrets(known: Iterable<string>): string[] {
  const secrets = [...new Set(known)];
  const short = secrets.filter((secret) => secret.length < MIN_SECRET_LENGTH);
  if (short.length > 0) {
    throw new Error(`known secrets must have at least ${MIN_SECRET_LENGTH} characters: ${short.map(label)}`);
  }
  return secrets;
}

interface ExportedResource {
  urn: string;
  type: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

interface ExportedState {
  deployment?: { resources?: ExportedResource[] };
}

/** The resources of an exported state. */
export function resourcesOf(state: string | ExportedState): ExportedResource[] {
  const parsed = typeof state === "string" ? (JSON.parse(state) as ExportedState) : state;
  return parsed.deployment?.resources ?? [];
}

/**
 * Asserts that no known secret and nothing credential-shaped is in the stack's state at rest
 * (`pulumi stack export` without `--show-secrets`), in any `__provider` (which must be plain text,
 * so that nothing can hide in it encrypted), in everything the engine printed (`stack.transcript`:
 * `--diff` output, provider stderr, diagnostics), or in the given errors (or texts).
 *
 * @param known - every plain token, JWT, API key, password or ID token the scenario saw; at least
 *   8 characters each.
 */
export async function expectNoSecrets(
  stack: TestStack,
  known: Iterable<string>,
  options: { errors?: readonly unknown[] } = {},
): Promise<void> {
  const secrets = checkedSecrets(known);
  const state = await stack.exportedState();
  const resources = resourcesOf(state);
  const findings: string[] = [];
  const look = (place: string, text: string) =>
    findings.push(...findSecrets(text, secrets).map((finding) => `${place}: ${finding}`));

  // At rest means encrypted: a decrypted export (what --show-secrets prints) has "plaintext" fields.
  if (state.includes('"plaintext"')) findings.push("the exported state holds decrypted secrets");
  look("the exported state", state);
  for (const resource of resources) {
    for (const [side, bag] of [
      ["inputs", resource.inputs],
      ["outputs", resource.outputs],
    ] as const) {
      if (bag === undefined || !("__provider" in bag)) continue;
      const provider = bag.__provider;
      if (typeof provider !== "string") {
        findings.push(`${resource.urn} ${side}.__provider is not plain text (a secret could hide in it)`);
        continue;
      }
      look(`${resource.urn} ${side}.__provider`, provider);
    }
  }
  look("the engine transcript", stack.transcript.join(""));
  (options.errors ?? []).forEach((error, index) => look(`error ${index + 1}`, errorText(error)));
  expect(findings).toEqual([]);
}

/** A secret value as the export stores it at rest. */
function isCiphertext(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { ciphertext?: unknown }).ciphertext === "string"
  );
}

/**
 * Asserts that credentials taken from stack config secrets or environment variables are not in the
 * state: the token resources have no `keys` among their inputs or outputs (not even as a ciphertext),
 * and no value appears anywhere in the state, even inside an encrypted value (the export is decrypted
 * for that second look only).
 *
 * One place is Pulumi's own and is not the package's to avoid: the engine stores the whole stack
 * config as the inputs and outputs of the default `pulumi:providers:pulumi-nodejs` provider (the
 * dynamic provider's `configure` reads it from there). A credential found there is accepted only
 * when it is a stack config key stored encrypted; those places are returned, so a test can pin them.
 *
 * @param keys - the input names the credentials would have had, e.g. `["apiToken"]`, for every token
 *   resource or by vendor (`{ gcore: ["apiKey"] }`: Gcore has a `username` output, ICP a `username` input).
 * @param values - the credentials themselves, at least 8 characters each.
 * @returns the engine-held places, e.g. `pulumi:providers:pulumi-nodejs::default inputs["netbird:apiToken"]`.
 */
export async function expectCredentialsNotStored(
  stack: TestStack,
  keys: readonly string[] | Partial<Record<string, readonly string[]>>,
  values: Iterable<string>,
): Promise<string[]> {
  const keysOf = (type: string): readonly string[] => {
    if (Array.isArray(keys)) return keys;
    const vendor = Object.entries(TOKEN_TYPES).find(([, token]) => token === type)?.[0];
    return (keys as Partial<Record<string, readonly string[]>>)[vendor ?? ""] ?? [];
  };
  const secrets = checkedSecrets(values);
  const types = new Set<string>(Object.values(TOKEN_TYPES));
  const atRest = resourcesOf(await stack.exportedState());
  const findings: string[] = [];
  const tokens = atRest.filter((resource) => types.has(resource.type));
  if (tokens.length === 0) findings.push("no token resource in the state to look at");
  for (const resource of tokens) {
    for (const key of keysOf(resource.type)) {
      if (resource.inputs && key in resource.inputs)
        findings.push(`${resource.urn}: inputs.${key} is stored`);
      if (resource.outputs && key in resource.outputs)
        findings.push(`${resource.urn}: outputs.${key} is stored`);
    }
  }
  // Decrypted: only to look inside the ciphertexts (encryption is not deterministic, so a credential can't
  // be found in them otherwise). The key checks above read the state at rest.
  const deployment = (await stack.decryptedDeployment()) as { resources?: ExportedResource[] } & Record<
    string,
    unknown
  >;
  const engineHeld: string[] = [];
  const { resources: decrypted = [], ...rest } = deployment;
  for (const secret of secrets) {
    for (const path of pathsHolding(rest, secret, "$"))
      findings.push(`the credential ${label(secret)} is stored at ${path} (decrypted state)`);
    for (const resource of decrypted) {
      const stored = atRest.find((candidate) => candidate.urn === resource.urn);
      for (const side of ["inputs", "outputs"] as const) {
        for (const [key, value] of Object.entries(resource[side] ?? {})) {
          const where = `${resource.urn} ${side}[${JSON.stringify(key)}]`;
          if (pathsHolding(value, secret).length === 0) continue;
          const configKey = resource.type === "pulumi:providers:pulumi-nodejs" && key.includes(":");
          if (configKey && isCiphertext(stored?.[side]?.[key])) engineHeld.push(where);
          else findings.push(`the credential ${label(secret)} is stored at ${where} (decrypted state)`);
        }
      }
      const { inputs: _inputs, outputs: _outputs, ...others } = resource;
      for (const path of pathsHolding(others, secret, resource.urn))
        findings.push(`the credential ${label(secret)} is stored at ${path} (decrypted state)`);
    }
  }
  expect(findings).toEqual([]);
  return engineHeld.map((place) => place.replace(/^urn:pulumi:[^:]*::[^:]*::/, ""));
}

/** JSON paths of the strings in `value` that contain `secret` (or its JSON-escaped forms). */
function pathsHolding(value: unknown, secret: string, path = "$"): string[] {
  if (typeof value === "string") {
    return formsOf(secret).some((form) => value.includes(form)) ? [path] : [];
  }
  if (Array.isArray(value))
    return value.flatMap((item, index) => pathsHolding(item, secret, `${path}[${index}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
      pathsHolding(item, secret, `${path}.${key}`),
    );
  }
  return [];
}
