/**
 * `netbird.PersonalAccessToken`: a NetBird personal access token (PAT) that Pulumi issues, rotates with
 * overlap and revokes.
 *
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { presentDerivedOutputs, tokenRegistration, withoutPromiseStacks } from "../core/token-resource.ts";
import { PERSONAL_ACCESS_TOKEN } from "./definition.ts";

/** The inputs of {@link PersonalAccessToken}. */
export interface PersonalAccessTokenArgs {
  /** The NetBird user that owns the token, usually a service user (e.g. "svc-ci"). Changing it replaces the token. */
  userId: pulumi.Input<string>;
  /** The token's name, not empty. Changing it replaces the token. */
  name: pulumi.Input<string>;
  /**
   * Lifetime of each issued token in days, an integer from 1 to 365. Changing it is an in-place update
   * with no API call: the new lifetime applies from the next rotation, so the overlap is kept.
   */
  expiresInDays: pulumi.Input<number>;
  /**
   * Rotate this many days before the current token expires (0 or more, less than `expiresInDays`,
   * fractions allowed). Default: 7, or a third of `expiresInDays` when that is shorter.
   */
  rotateBeforeDays?: pulumi.Input<number>;
  /**
   * `true`: revoke the old token as soon as its successor exists. Default `false`: keep it as
   * `previous…` (still valid) until the next rotation, so consumers have a whole rotation period to switch.
   * A change takes effect at the next rotation.
   */
  revokePrevious?: pulumi.Input<boolean>;
  /** Any change of this free-form value forces a rotation at the next `pulumi up`. */
  rotationTrigger?: pulumi.Input<string>;
  /**
   * Base URL of the management API, without `/api`. Default: stack config `netbird:managementUrl`, else
   * env `NB_MANAGEMENT_URL`, else `https://api.netbird.io`. The resolved value is stored; changing it
   * replaces the token.
   */
  managementUrl?: pulumi.Input<string>;
  /**
   * The credential that manages tokens: an admin's (or the owner's) PAT, sent as `Authorization: Token …`,
   * or an IdP JWT, sent as `Bearer …`. Default: stack config `netbird:apiToken` (set it with `--secret`),
   * else env `NB_PAT`. Stored as a secret when given here.
   */
  apiToken?: pulumi.Input<string>;
  /**
   * PEM of the CA that signed a self-hosted management server's certificate. Default: stack config
   * `netbird:caCertificate`, else env `NB_CA_CERTIFICATE`, else the system CAs.
   */
  caCertificate?: pulumi.Input<string>;
  /**
   * Adopt this existing token (its id) instead of issuing a new one; needs `adoptToken`. Only `create`
   * uses it and it is not stored: remove both after the first `pulumi up`.
   */
  adoptTokenId?: pulumi.Input<string>;
  /**
   * The plain `nbp_…` token of `adoptTokenId`. It is checked locally (format, checksum), must authenticate
   * as `userId`, and must be the token behind `adoptTokenId`. Secret; not stored.
   */
  adoptToken?: pulumi.Input<string>;
}

/** A revocation that failed and is retried at the next rotation or destroy. */
export interface PersonalAccessTokenPendingRevocation {
  /** The token's id. */
  tokenId: string;
  /** When it expires (RFC 3339); once past, the token cannot authenticate anyway. */
  expiresAt: string;
}

/**
 * A NetBird personal access token with time-based rotation.
 *
 * - `pulumi up` issues the token (POST `/api/users/{userId}/tokens`). Later runs do nothing, with no API
 *   call, until `rotatesAt` (= `expiresAt − rotateBeforeDays`) or a changed `rotationTrigger`; then an
 *   in-place update issues a new token, keeps the old one valid as `previous…` and revokes the one before
 *   it (or, with `revokePrevious`, revokes the old one at once). The resource id (`userId/name`) never changes.
 * - `pulumi up --refresh` reads the token: a token deleted outside Pulumi is issued again in the same run,
 *   and a still-valid previous token stays tracked until the next rotation revokes it.
 * - `pulumi destroy` revokes the current, previous and any pending tokens.
 *
 * Limits: rotation happens only when Pulumi runs, so schedule `pulumi up` more often than
 * `rotateBeforeDays`. Settings taken from stack config or the environment are read at run time; only
 * `managementUrl` is stored. A create whose answer is lost is reconciled by token name and creation time
 * (allowing one minute of clock skew): do not reuse a token name for the same user elsewhere.
 *
 * @example
 * ```ts
 * import * as pulumi from "@pulumi/pulumi";
 * import { netbird } from "pulumi-tokens";
 *
 * const pat = new netbird.PersonalAccessToken("ci", {
 *   userId: "svc-ci",
 *   name: "ci-pipeline",
 *   expiresInDays: 90,
 *   rotateBeforeDays: 30,
 * });
 * export const ciToken = pat.token; // secret
 * ```
 */
export class PersonalAccessToken extends pulumi.CustomResource {
  /** The owner's user id. */
  declare readonly userId: pulumi.Output<string>;
  /** The token's name. */
  declare readonly name: pulumi.Output<string>;
  /** Lifetime of each issued token, in days. */
  declare readonly expiresInDays: pulumi.Output<number>;
  /** The rotate-before window in days, default applied. */
  declare readonly rotateBeforeDays: pulumi.Output<number>;
  /** Whether a rotation revokes the old token at once. */
  declare readonly revokePrevious: pulumi.Output<boolean>;
  /** The rotation trigger, as given. */
  declare readonly rotationTrigger: pulumi.Output<string | undefined>;
  /** The management API this token lives in (resolved from input, config, environment or default). */
  declare readonly managementUrl: pulumi.Output<string>;
  /** The `apiToken` input, when one was given (otherwise the credential is read from config or env at run time). Secret. */
  declare readonly apiToken: pulumi.Output<string | undefined>;
  /** The `caCertificate` input, when one was given. */
  declare readonly caCertificate: pulumi.Output<string | undefined>;
  /** The current token's id at the API. */
  declare readonly tokenId: pulumi.Output<string>;
  /** The current plain token (`nbp_…`). Secret. */
  declare readonly token: pulumi.Output<string>;
  /** When the current token expires (RFC 3339). */
  declare readonly expiresAt: pulumi.Output<string>;
  /** From when a `pulumi up` rotates (RFC 3339). */
  declare readonly rotatesAt: pulumi.Output<string>;
  /** When the current token was created (RFC 3339). */
  declare readonly createdAt: pulumi.Output<string>;
  /** The id of the user whose credential created the current token. */
  declare readonly createdBy: pulumi.Output<string>;
  /** When the current token was last used (RFC 3339), as of the last refresh; undefined if never or unknown. */
  declare readonly lastUsed: pulumi.Output<string | undefined>;
  /** "active", or "missing" after a refresh found the current token deleted (the next `up` issues a new one). */
  declare readonly status: pulumi.Output<"active" | "missing">;
  /** The previous token's id, still valid until the next rotation; undefined when none. */
  declare readonly previousTokenId: pulumi.Output<string | undefined>;
  /** The previous plain token. Secret. */
  declare readonly previousToken: pulumi.Output<string | undefined>;
  /** When the previous token expires (RFC 3339). */
  declare readonly previousExpiresAt: pulumi.Output<string | undefined>;
  /** Tokens whose revocation failed; retried at the next rotation or destroy. Undefined when none. */
  declare readonly pendingRevocations: pulumi.Output<PersonalAccessTokenPendingRevocation[] | undefined>;

  /**
   * @param name - the Pulumi resource name.
   * @param args - the token's inputs; see {@link PersonalAccessTokenArgs}.
   * @param opts - resource options.
   */
  constructor(name: string, args: PersonalAccessTokenArgs, opts?: pulumi.CustomResourceOptions) {
    const restoreStacks = withoutPromiseStacks();
    try {
      super(...tokenRegistration(PERSONAL_ACCESS_TOKEN, name, args, opts));
      presentDerivedOutputs(this, PERSONAL_ACCESS_TOKEN);
    } finally {
      restoreStacks();
    }
  }
}
