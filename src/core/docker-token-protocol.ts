/**
 * The Docker Registry v2 token protocol (distribution `docs/content/spec/auth/{token,oauth,jwt,scope}.md`),
 * as every kind that fetches registry tokens needs it: the resource scope grammar, the token server's
 * answer, the JWT's `access` claim, the `WWW-Authenticate` challenge of a registry, and the Docker client
 * config that hands a token to docker, crane and buildkit.
 *
 * Names no vendor and does no I/O.
 *
 * @module
 */
import type { JWTPayload } from "jose";
import { z } from "zod";
import { once } from "./once.ts";

/** One resource scope of the protocol, requested or granted. */
export interface ResourceScope {
  type: string;
  class?: string | undefined;
  name: string;
  actions: string[];
}

// The scope grammar (scope.md). A name may carry a `host[:port]/` prefix.
const HOST_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const COMPONENT = "[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*";
const RESOURCE_NAME = new RegExp(
  `^(?:${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]+)?/)?${COMPONENT}(?:/${COMPONENT})*$`,
);
const RESOURCE_TYPE = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;
// The grammar allows an empty action; an empty action grants nothing, so it is refused here.
const ACTION = /^[a-z*]+$/;

/**
 * Parses one resource scope `type[(class)]:name:action[,action]`. The name may hold a `host:port/`
 * prefix, so the type ends at the first ':' and the actions start after the last. Undefined when the
 * text does not follow the grammar.
 */
export function parseScope(text: string): ResourceScope | undefined {
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  if (first < 0 || last === first) return undefined;
  const type = RESOURCE_TYPE.exec(text.slice(0, first));
  const name = text.slice(first + 1, last);
  const actions = text.slice(last + 1).split(",");
  if (!type || !RESOURCE_NAME.test(name) || !actions.every((action) => ACTION.test(action))) return undefined;
  const [, resourceType = "", resourceClass] = type;
  return resourceClass === undefined
    ? { type: resourceType, name, actions }
    : { type: resourceType, class: resourceClass, name, actions };
}

/** The scopes of a space-separated scope string (the OAuth2 form); undefined if any is malformed. */
export function parseScopeList(text: string): ResourceScope[] | undefined {
  const scopes = text.split(" ").map(parseScope);
  return scopes.every((scope) => scope !== undefined) ? scopes : undefined;
}

/** The text form of a scope, `type[(class)]:name:actions`. */
export function formatScope(scope: ResourceScope): string {
  const type = scope.class === undefined ? scope.type : `${scope.type}(${scope.class})`;
  return `${type}:${scope.name}:${scope.actions.join(",")}`;
}

/**
 * The JWT's `access` claim as resource scopes: null (no scope asked) → []; malformed entries are
 * skipped; an entry with no actions is kept (the server knows the resource but grants nothing).
 */
export function accessOf(claims: JWTPayload): ResourceScope[] {
  if (!Array.isArray(claims.access)) return [];
  return claims.access.flatMap((entry: unknown): ResourceScope[] => {
    if (typeof entry !== "object" || entry === null) return [];
    const { type, class: resourceClass, name, actions } = entry as Record<string, unknown>;
    if (typeof type !== "string" || typeof name !== "string") return [];
    const granted = Array.isArray(actions) ? actions.filter((action) => typeof action === "string") : [];
    return [
      typeof resourceClass === "string"
        ? { type, class: resourceClass, name, actions: granted }
        : { type, name, actions: granted },
    ];
  });
}

/** The requested actions `access` does not grant, per requested scope (empty when all were granted). */
export function missingAccess(requested: readonly ResourceScope[], access: readonly ResourceScope[]) {
  return requested.flatMap((scope) => {
    const granted = access.find((entry) => entry.type === scope.type && entry.name === scope.name);
    const missing = scope.actions.filter((action) => !granted?.actions.includes(action));
    return missing.length > 0 ? [{ ...scope, actions: missing }] : [];
  });
}

/**
 * A Docker client config (`$DOCKER_CONFIG/config.json`) that hands the registry token over as is:
 * `auths.<registry>.registrytoken`, which docker (CLI and daemon), crane (go-containerregistry) and
 * buildkit send as `Authorization: Bearer <token>`. A token in `username`/`password` does not work:
 * those clients then do the token exchange themselves with Basic `user:<token>`, which the token
 * server refuses. Kubernetes' kubelet reads only `username`/`password`/`auth`, so no form of a
 * short-lived registry token serves `imagePullSecrets`.
 */
export function dockerConfigJson(registry: string, token: string): string {
  return JSON.stringify({ auths: { [registry]: { registrytoken: token } } });
}

/**
 * The stored outputs of an issued token, as every kind of this protocol stores them: the token, when it was issued
 * and expires, the `access` it grants and its Docker client config. A zod shape, to spread into a stored schema.
 */
export function issuedTokenStoredShape() {
  const text = () => z.string({ error: "is missing or not a string" });
  return {
    token: text(),
    issuedAt: text().default(""),
    expiresAt: text(),
    access: z
      .array(
        z.looseObject({
          type: text(),
          class: text().optional(),
          name: text(),
          actions: z.array(text(), { error: "is not a list" }),
        }),
        { error: "is not a list" },
      )
      .default([]),
    dockerConfigJson: text().default(""),
  };
}

/**
 * The query of a token request by GET (token.md): `service`, then one `scope` per requested scope, after the
 * realm's own parameters when it has any.
 */
export function tokenQuery(service: string, scopes: readonly string[], realmSearch = ""): URLSearchParams {
  const query = new URLSearchParams(realmSearch);
  query.append("service", service);
  for (const scope of scopes) query.append("scope", scope);
  return query;
}

/** The protocol's default lifetime when the answer has no `expires_in` (token.md). */
export const DEFAULT_EXPIRES_IN_SECONDS = 60;

/**
 * The zod schema of a token server's answer, GET (token.md) or OAuth2 POST (oauth.md). At least one
 * of `token` and `access_token` is required. Built on first use.
 */
export const tokenAnswerSchema = once(() =>
  z
    .object({
      token: z.string({ error: "token must be a string" }).optional(),
      access_token: z.string({ error: "access_token must be a string" }).optional(),
      expires_in: z.number({ error: "expires_in must be a number" }).optional(),
      issued_at: z.string({ error: "issued_at must be a string" }).optional(),
      refresh_token: z.string({ error: "refresh_token must be a string" }).optional(),
    })
    .refine((body) => Boolean(body.token || body.access_token), {
      error: "the answer has neither token nor access_token",
    }),
);

/** A token server's answer, normalized. */
export interface TokenAnswer {
  /** The registry token: a JWT, or opaque. */
  token: string;
  /** Seconds, when the server said; the protocol's default is 60 when absent. */
  expiresIn: number | undefined;
  /** RFC 3339, when the server said. */
  issuedAt: string | undefined;
}

/** The normalized answer; `token` and `access_token` must be equal when both are given (token.md). */
export function tokenAnswerOf(body: z.infer<ReturnType<typeof tokenAnswerSchema>>): TokenAnswer {
  return {
    token: body.token || body.access_token || "",
    expiresIn: body.expires_in,
    issuedAt: body.issued_at,
  };
}

/**
 * A token server's own message from an error body: OAuth2-style `{error, error_description}` (oauth.md),
 * registry-style `{errors:[{code, message}]}` (token.md) or `{message}`; at most 300 characters.
 */
export function describeTokenServerError(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const oauth = [text(record.error), text(record.error_description)].filter((part) => part !== undefined);
  if (oauth.length > 0) return oauth.join(": ").slice(0, 300);
  if (Array.isArray(record.errors)) {
    const parts = record.errors
      .map((entry: unknown) => {
        if (typeof entry !== "object" || entry === null) return undefined;
        const { code, message } = entry as Record<string, unknown>;
        return [text(code), text(message)].filter((part) => part !== undefined).join(": ") || undefined;
      })
      .filter((part) => part !== undefined);
    if (parts.length > 0) return parts.join("; ").slice(0, 300);
  }
  return text(record.message)?.slice(0, 300);
}

/** One challenge of a `WWW-Authenticate` header: its scheme (lower case) and parameters (names lower case). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

// RFC 9110 token characters.
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses a `WWW-Authenticate` value (RFC 9110 §11.6.1): one or more challenges separated by commas,
 * each a scheme followed by `name=value` parameters, a value a token or a quoted string with `\`
 * escapes. Parameter names are case-insensitive (lower-cased here). A scheme with a token68 value
 * (`Basic abc=`) has no parameters. Unparseable tails end the list: what was read before is kept.
 */
export function parseChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let at = 0;
  const skipSpace = () => {
    while (at < header.length && (header[at] === " " || header[at] === "\t")) at++;
  };
  const readToken = (): string => {
    const start = at;
    while (at < header.length && TCHAR.test(header[at] ?? "")) at++;
    return header.slice(start, at);
  };
  const readQuoted = (): string | undefined => {
    at++; // the opening quote
    let value = "";
    while (at < header.length) {
      const char = header[at++] ?? "";
      if (char === "\\") {
        if (at >= header.length) return undefined;
        value += header[at++];
      } else if (char === '"') {
        return value;
      } else {
        value += char;
      }
    }
    return undefined; // unterminated
  };
  /** At a comma list boundary: skip empty list elements. */
  const skipCommas = () => {
    for (;;) {
      skipSpace();
      if (header[at] !== ",") return;
      at++;
    }
  };

  skipCommas();
  while (at < header.length) {
    const scheme = readToken();
    if (scheme === "") break;
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    skipSpace();
    // token68 (e.g. `Negotiate abc==`): a token followed by `=`s and then a comma or the end.
    const token68 = /^[A-Za-z0-9\-._~+/]+=*\s*(?:,|$)/.exec(header.slice(at));
    if (token68 && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=\s*[^=,\s]/.test(header.slice(at))) {
      at += token68[0].length;
      skipCommas();
      continue;
    }
    // Parameters: name=value, separated by commas, until a token that is not followed by '='.
    for (;;) {
      skipCommas();
      const mark = at;
      const name = readToken();
      skipSpace();
      if (name === "" || header[at] !== "=") {
        at = mark; // the next challenge's scheme (or the end)
        break;
      }
      at++;
      skipSpace();
      const value = header[at] === '"' ? readQuoted() : readToken();
      if (value === undefined) return challenges;
      challenge.params[name.toLowerCase()] = value;
      skipSpace();
      if (at < header.length && header[at] !== ",") return challenges; // garbage after a value
    }
  }
  return challenges;
}
