/**
 * The NetBird personal access token provider: the policy on top of the shared token machinery.
 *
 * - issue: POST a token, or adopt an existing one (`adoptTokenId` + `adoptToken`). Before the POST, the
 *   user's tokens with this name that no state tracks (left by a killed run) are revoked. A create whose
 *   answer was lost (network error, timeout, 5xx, unreadable body) is reconciled: the tokens it may have
 *   left are found by name and creation time and deleted, then the POST is tried once more.
 * - rotate: POST a new token first; the old current one becomes `previous…` (or is revoked at once with
 *   `revokePrevious`), and the one that was previous before is revoked. Once the new token exists this
 *   never throws: a failed revocation is kept in `pendingRevocations` and retried at the next rotation or
 *   destroy.
 * - inspect (refresh): GET the current token. When it is gone but a previous token is still valid (or a
 *   revocation is pending), keep tracking and force a rotation; when nothing is left, report "gone".
 * - revoke (destroy): DELETE current, previous and pending; 404 counts as done.
 *
 * @module
 */
import type { CheckFailure } from "../core/check.ts";
import type { PersonalAccessTokenPendingRevocation } from "./personal-access-token.ts";
import { now } from "../core/clock.ts";
import { notice } from "../core/log.ts";
import { MINUTE_MS } from "../core/rotation.ts";
import { describeSources, lookupSetting } from "../core/settings.ts";
import { createTokenProvider, type StoredToken, type TokenSpec } from "../core/token-provider.ts";
import {
  AdoptionError,
  ApiNetworkError,
  ApiResponseError,
  ApiTimeoutError,
  InvalidResponseError,
} from "../errors.ts";
import { connect, type IssuedPat, type NetbirdApi, type PatInfo } from "./api.ts";
import { PERSONAL_ACCESS_TOKEN } from "./definition.ts";
import { inputSchema, type PersonalAccessTokenInputs, storedSchema } from "./schemas.ts";
import { resolveManagementUrl, settingSource } from "./settings.ts";
import type { Properties } from "../core/properties.ts";

/** A token whose revocation failed; it is retried at the next rotation or destroy. */
type PendingRevocation = PersonalAccessTokenPendingRevocation;

/** What the provider stores besides the inputs (all of it is also an output). */
export type PersonalAccessTokenState = {
  tokenId: string;
  /** The plain `nbp_` token: returned once by the API, carried over from state ever after. */
  token: string;
  expiresAt: string;
  createdAt: string;
  createdBy: string;
  lastUsed?: string | undefined;
  /** "missing": the current token was deleted outside Pulumi; the next update issues a new one. */
  status: "active" | "missing";
  previousTokenId?: string | undefined;
  previousToken?: string | undefined;
  previousExpiresAt?: string | undefined;
  pendingRevocations?: PendingRevocation[] | undefined;
};

type Inputs = PersonalAccessTokenInputs;
type State = PersonalAccessTokenState;
type Stored = StoredToken<Inputs, State>;

/** How far the API's clock may be behind ours when a lost create is reconciled by creation time. */
const CLOCK_SKEW_MS = MINUTE_MS;
/** Network errors that mean the request never reached the server. */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/**
 * The keys whose change replaces the resource: they name the token at the API. `expiresInDays` is
 * not one: a new lifetime applies from the next rotation, so consumers keep the overlap.
 */
const REPLACE_ON = ["userId", "name", "managementUrl"] as const;

const spec: TokenSpec<Inputs, State> = {
  vendor: "netbird",
  inputSchema,
  storedSchema,
  resolvedInputs: ["managementUrl"],
  // Stored, so refresh and destroy reach the server that issued the token, and a changed stack
  // config replaces the token like a changed input.
  resolveInputs: (inputs) => ({ ...inputs, managementUrl: resolveManagementUrl(inputs.managementUrl) }),
  checkEnvironment,
  id: (inputs) => `${inputs.userId}/${inputs.name}`,
  replaceOn: REPLACE_ON,
  transientInputs: ["adoptTokenId", "adoptToken"],
  storedForm: PERSONAL_ACCESS_TOKEN.storedForm,
  rotationWording: (stored) =>
    stored.status === "missing"
      ? { cause: "the current credential is gone (a refresh found it deleted outside Pulumi)" }
      : undefined,
  issue,
  rotate,
  inspect,
  revoke,
};

/** The netbird token provider (loaded by the shim in the provider process). */
export const netbirdProvider = createTokenProvider<Inputs, State>(spec);

/**
 * Settings that come from outside the inputs: the credential must exist, config values must be
 * usable; and adoption inputs are refused on a replacement.
 */
function checkEnvironment(inputs: Inputs, olds: Properties): CheckFailure[] {
  const failures = settingSource.failures(inputs);
  if (lookupSetting(settingSource("apiToken", inputs.apiToken)) === undefined) {
    failures.push({
      property: "",
      reason: `"apiToken" is required (an admin's NetBird API token): set ${describeSources(settingSource("apiToken", undefined))}`,
    });
  }
  const adoption = adoptionOnReplace(olds, inputs);
  if (adoption) failures.push(adoption);
  return failures;
}

/** A replacement would adopt the very token that deleting the old resource revokes. */
function adoptionOnReplace(olds: Properties, news: Inputs): CheckFailure | undefined {
  if (news.adoptTokenId === undefined || Object.keys(olds).length === 0) return undefined;
  const resolved = { ...news, managementUrl: resolveManagementUrl(news.managementUrl) };
  const changed = REPLACE_ON.find((key) => olds[key] !== undefined && olds[key] !== resolved[key]);
  if (changed === undefined) return undefined;
  return {
    property: "adoptTokenId",
    reason: `remove "adoptTokenId" and "adoptToken" before changing "${changed}": the replacement would adopt the token that deleting the old resource revokes`,
  };
}

async function issue(inputs: Inputs): Promise<State> {
  const api = connect(inputs);
  if (inputs.adoptTokenId !== undefined && inputs.adoptToken !== undefined) {
    return adopt(api, inputs, inputs.adoptTokenId, inputs.adoptToken);
  }
  return activeState(await issueFresh(api, inputs, new Set()));
}

async function rotate(inputs: Inputs, stored: Stored): Promise<State> {
  const api = connect(inputs);
  const pending = stored.pendingRevocations ?? [];
  const tracked = new Set([stored.tokenId, ...pending.map((entry) => entry.tokenId)]);
  if (stored.previousTokenId !== undefined) tracked.add(stored.previousTokenId);
  const fresh = await issueFresh(api, inputs, tracked);

  // The new token exists: from here on nothing may throw, or state would lose it.
  const at = now().getTime();
  const candidates: { tokenId: string; token: string | undefined; expiresAt: string }[] = [];
  if (stored.status !== "missing") {
    candidates.push({ tokenId: stored.tokenId, token: stored.token, expiresAt: stored.expiresAt });
  }
  if (stored.previousTokenId !== undefined) {
    candidates.push({
      tokenId: stored.previousTokenId,
      token: stored.previousToken,
      expiresAt: stored.previousExpiresAt ?? stored.expiresAt,
    });
  }
  const keep = inputs.revokePrevious
    ? undefined
    : candidates.find((candidate) => candidate.token !== undefined && Date.parse(candidate.expiresAt) > at);
  // A "missing" current token was found deleted by refresh: nothing to revoke there.
  const toRevoke = [...candidates.filter((candidate) => candidate !== keep), ...pending];
  const failed = await revokeAll(api, inputs.userId, toRevoke);
  for (const { entry, error } of failed) {
    notice(
      "netbird",
      `could not revoke PAT ${entry.tokenId} of user "${inputs.userId}" after rotating "${inputs.name}" ` +
        `(${describe(error)}); it is kept in "pendingRevocations" and retried at the next rotation or destroy`,
    );
  }
  return {
    ...activeState(fresh),
    ...(keep
      ? { previousTokenId: keep.tokenId, previousToken: keep.token, previousExpiresAt: keep.expiresAt }
      : {}),
    ...(failed.length > 0 ? { pendingRevocations: failed.map(({ entry }) => entry) } : {}),
  };
}

async function inspect(stored: Stored): Promise<State | "gone"> {
  const api = connect(stored);
  const current = await api.getToken(stored.userId, stored.tokenId);
  const previous =
    stored.previousTokenId === undefined
      ? undefined
      : await api.getToken(stored.userId, stored.previousTokenId);
  const previousState = previous
    ? {
        previousTokenId: previous.id,
        previousToken: stored.previousToken,
        previousExpiresAt: previous.expiresAt,
      }
    : { previousTokenId: undefined, previousToken: undefined, previousExpiresAt: undefined };
  const kept = {
    tokenId: stored.tokenId,
    token: stored.token,
    createdAt: stored.createdAt,
    createdBy: stored.createdBy,
    pendingRevocations: stored.pendingRevocations,
  };
  if (current) {
    return {
      ...kept,
      expiresAt: current.expiresAt,
      createdAt: current.createdAt,
      createdBy: current.createdBy,
      lastUsed: current.lastUsed,
      status: "active",
      ...previousState,
    };
  }

  // The current token was deleted outside Pulumi. Whatever is still at the API must stay tracked.
  const at = now();
  const previousLive = previous !== undefined && Date.parse(previous.expiresAt) > at.getTime();
  const pending = [...(stored.pendingRevocations ?? [])];
  if (previous && !previousLive) pending.push({ tokenId: previous.id, expiresAt: previous.expiresAt });
  if (!previousLive && pending.length === 0) return "gone";
  return {
    ...kept,
    expiresAt: at.toISOString(),
    lastUsed: undefined,
    status: "missing",
    ...(previousLive
      ? previousState
      : { previousTokenId: undefined, previousToken: undefined, previousExpiresAt: undefined }),
    pendingRevocations: pending.length > 0 ? pending : undefined,
  };
}

async function revoke(stored: Stored): Promise<void> {
  const api = connect(stored);
  const targets = [
    { tokenId: stored.tokenId, expiresAt: stored.expiresAt },
    ...(stored.previousTokenId === undefined
      ? []
      : [{ tokenId: stored.previousTokenId, expiresAt: stored.previousExpiresAt ?? stored.expiresAt }]),
    ...(stored.pendingRevocations ?? []),
  ];
  const failed = await revokeAll(api, stored.userId, targets);
  const at = now().getTime();
  // An expired token cannot authenticate: failing to delete it must not block the destroy.
  const blocking = failed.filter(({ entry }) => Date.parse(entry.expiresAt) > at);
  for (const { entry, error } of failed) {
    if (blocking[0]?.entry === entry) continue;
    notice(
      "netbird",
      `could not revoke PAT ${entry.tokenId} of user "${stored.userId}" (${describe(error)})`,
    );
  }
  if (blocking[0]) throw blocking[0].error;
}

/**
 * Issues a token. Tokens of this user with this name that the state does not track are left by a run
 * that was killed after the API created them (the engine then forgets the step): they are revoked
 * first. A create whose answer was lost is cleaned up and tried once more.
 */
async function issueFresh(api: NetbirdApi, inputs: Inputs, tracked: ReadonlySet<string>): Promise<IssuedPat> {
  await removeLeftovers(api, inputs, tracked);
  for (let attempt = 1; ; attempt++) {
    const startedAt = now().getTime();
    try {
      return await api.createToken(inputs.userId, inputs.name, inputs.expiresInDays);
    } catch (error) {
      if (!mayHaveCreated(error)) throw error;
      await removeStrays(api, inputs, startedAt, tracked, error);
      if (attempt >= 2) throw error;
    }
  }
}

/**
 * The user's tokens as this provider process first listed them, by management URL and user. A provider
 * process serves one engine operation, so one list per user shows what an interrupted earlier run left;
 * a list per token would cost O(tokens of the user) each, O(N²) for N tokens of one user. Tokens this
 * process issues are never in it: every issue awaits the list before its POST.
 */
const listedTokens = new Map<string, Promise<PatInfo[]>>();

function tokensBeforeThisRun(api: NetbirdApi, inputs: Inputs): Promise<PatInfo[]> {
  const key = `${resolveManagementUrl(inputs.managementUrl)} ${inputs.userId}`;
  let listed = listedTokens.get(key);
  if (listed === undefined) {
    listed = api.listTokens(inputs.userId);
    listedTokens.set(key, listed);
    // A failed list is not remembered: the next token of this user asks again.
    listed.catch(() => listedTokens.delete(key));
  }
  return listed;
}

/** Forgets the lists {@link tokensBeforeThisRun} remembers, for tests that run many operations in one process. */
export function forgetListedTokens(): void {
  listedTokens.clear();
}

/**
 * Revokes the user's tokens named like this resource that no state tracks. Within one user the name
 * identifies the resource (documented): a token of another name is never touched.
 */
async function removeLeftovers(api: NetbirdApi, inputs: Inputs, tracked: ReadonlySet<string>): Promise<void> {
  const listed = await tokensBeforeThisRun(api, inputs);
  const leftovers = listed.filter((token) => token.name === inputs.name && !tracked.has(token.id));
  for (const leftover of leftovers) {
    await api.deleteToken(inputs.userId, leftover.id);
    listed.splice(listed.indexOf(leftover), 1);
  }
  if (leftovers.length > 0) {
    notice(
      "netbird",
      `user "${inputs.userId}" had ${leftovers.length} PAT(s) named "${inputs.name}" that no state tracks ` +
        `(left by an interrupted run); revoked ${leftovers.map((leftover) => leftover.id).join(", ")}`,
    );
  }
}

/** The POST may have taken effect although we got no usable answer. */
function mayHaveCreated(error: unknown): boolean {
  if (error instanceof ApiTimeoutError || error instanceof InvalidResponseError) return true;
  if (error instanceof ApiNetworkError) return !NEVER_SENT.has(error.networkCode ?? "");
  return error instanceof ApiResponseError && error.status >= 500;
}

/** Deletes the tokens a lost create left: our name, not tracked, created since the request started. */
async function removeStrays(
  api: NetbirdApi,
  inputs: Inputs,
  startedAt: number,
  tracked: ReadonlySet<string>,
  cause: unknown,
): Promise<void> {
  try {
    const strays = (await api.listTokens(inputs.userId)).filter(
      (token) =>
        token.name === inputs.name &&
        !tracked.has(token.id) &&
        Date.parse(token.createdAt) >= startedAt - CLOCK_SKEW_MS,
    );
    for (const stray of strays) await api.deleteToken(inputs.userId, stray.id);
    if (strays.length > 0) {
      notice(
        "netbird",
        `the answer to creating PAT "${inputs.name}" for user "${inputs.userId}" was lost (${describe(cause)}); ` +
          `deleted the ${strays.length} PAT(s) it had created: ${strays.map((stray) => stray.id).join(", ")}`,
      );
    }
  } catch (error) {
    notice(
      "netbird",
      `the answer to creating PAT "${inputs.name}" for user "${inputs.userId}" was lost (${describe(cause)}) and the ` +
        `check for a PAT it may have created failed (${describe(error)}): look for a PAT named "${inputs.name}" ` +
        `created at about ${new Date(startedAt).toISOString()} and delete it in NetBird`,
    );
    throw cause;
  }
}

/** DELETEs each token once (404 = done); returns the ones that failed, never throws. */
async function revokeAll(
  api: NetbirdApi,
  userId: string,
  entries: readonly PendingRevocation[],
): Promise<{ entry: PendingRevocation; error: unknown }[]> {
  const seen = new Set<string>();
  const failed: { entry: PendingRevocation; error: unknown }[] = [];
  for (const entry of entries) {
    if (seen.has(entry.tokenId)) continue;
    seen.add(entry.tokenId);
    try {
      await api.deleteToken(userId, entry.tokenId);
    } catch (error) {
      failed.push({ entry: { tokenId: entry.tokenId, expiresAt: entry.expiresAt }, error });
    }
  }
  return failed;
}

/**
 * Verifies and takes over an existing token instead of issuing one. The admin credential reads the
 * token (exists, name, expiry); then the adopted token reads it itself: a request authenticated with a
 * PAT marks that PAT used, so `last_used` moving past what the admin saw proves `adoptToken` is the
 * token behind the id, on the server's clock. A service user may read its own tokens but not ask who it
 * is (`/api/users/current` is 403 for service users); a user whose role has no PAT rights is the other
 * way round, so "who am I" is the fallback.
 */
async function adopt(api: NetbirdApi, inputs: Inputs, tokenId: string, plainToken: string): Promise<State> {
  const subject = `netbird: cannot adopt personal access token ${tokenId} of user "${inputs.userId}"`;
  const refuse = (reason: string) => new AdoptionError(`${subject}: ${reason}`, "netbird");
  const info = await api.getToken(inputs.userId, tokenId);
  if (!info) throw refuse("the user has no token with that id");
  if (info.name !== inputs.name) throw refuse(`its name is "${info.name}", but "name" is "${inputs.name}"`);
  if (Date.parse(info.expiresAt) <= now().getTime()) throw refuse(`it expired at ${info.expiresAt}`);
  const usedSince = (seen: PatInfo | undefined) =>
    seen?.lastUsed !== undefined &&
    (info.lastUsed === undefined || Date.parse(seen.lastUsed) > Date.parse(info.lastUsed));
  const notAuthenticating = '"adoptToken" does not authenticate (revoked, deleted or expired)';

  const read = await api.readTokenWith(plainToken, inputs.userId, tokenId);
  if (read === "refused") throw refuse(notAuthenticating);
  if (read === "gone") throw refuse("the user has no token with that id");
  if (read !== "forbidden" && usedSince(read)) return activeState({ plainToken, info: read });
  // Not this token: it read the token as an admin or as a sibling, or was not allowed to read it.
  const owner = await api.whoAmI(plainToken);
  if (owner === "refused") throw refuse(notAuthenticating);
  if (owner !== inputs.userId && (owner !== "forbidden" || read === "forbidden")) {
    throw refuse('"adoptToken" belongs to another user');
  }
  if (read !== "forbidden") throw refuse('"adoptToken" is a different token of that user');
  // The user may not read its own tokens (its role has no PAT rights): the admin looks at last_used.
  const after = await api.getToken(inputs.userId, tokenId);
  if (!usedSince(after)) throw refuse('"adoptToken" is a different token of that user');
  return activeState({ plainToken, info: after as PatInfo });
}

function activeState(issued: { plainToken: string; info: PatInfo }): State {
  return {
    tokenId: issued.info.id,
    token: issued.plainToken,
    expiresAt: issued.info.expiresAt,
    createdAt: issued.info.createdAt,
    createdBy: issued.info.createdBy,
    ...(issued.info.lastUsed ? { lastUsed: issued.info.lastUsed } : {}),
    status: "active",
  };
}

/**
 * A short account of an error for a notice. Notices avoid "token" before a word of 12 or more
 * characters (any case): the log's redaction takes that for an Authorization value and blanks it.
 */
function describe(error: unknown): string {
  if (error instanceof ApiResponseError)
    return `HTTP ${error.status}${error.apiMessage ? `: ${error.apiMessage}` : ""}`;
  if (error instanceof ApiNetworkError) return `network error ${error.networkCode ?? "(unknown)"}`;
  if (error instanceof ApiTimeoutError) return "timed out";
  if (error instanceof InvalidResponseError) return "unreadable answer";
  return error instanceof Error ? error.name : "unknown error";
}
