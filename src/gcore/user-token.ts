/**
 * `gcore.UserToken`: a Gcore user's JWT pair, issued by a reseller and renewed before it expires.
 *
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { presentDerivedOutputs, tokenRegistration, withoutPromiseStacks } from "../core/token-resource.ts";
import { USER_TOKEN } from "./definition.ts";

/** Inputs of {@link UserToken}. */
export interface UserTokenArgs {
  /** The numeric Gcore user id whose token pair is issued. A positive integer. Changing it replaces the resource. */
  userId: pulumi.Input<number>;
  /**
   * Minutes before the access token's expiry at which a plain `pulumi up` renews the pair.
   * Default 10; an integer from 1 to 59 (access tokens live 60 minutes).
   */
  rotateBeforeMinutes?: pulumi.Input<number>;
  /** Any value; changing it renews the pair on the next `pulumi up` (like `keepers`). */
  rotationTrigger?: pulumi.Input<string>;
  /**
   * Base URL of the Gcore API. Default: the stack config `gcore:apiUrl`, else the environment
   * variable `GCORE_API_URL`, else `https://api.gcore.com`. The resolved value is stored; changing it
   * replaces the resource.
   */
  apiUrl?: pulumi.Input<string>;
  /**
   * PEM of the CA that signed a self-hosted or proxied endpoint's certificate. Default: the stack
   * config `gcore:caCertificate`, else the environment variable `GCORE_CA_CERTIFICATE`, else the
   * system CAs.
   */
  caCertificate?: pulumi.Input<string>;
  /**
   * The reseller's permanent API token (`<id>_<secret>`), sent as `Authorization: APIKey <key>`.
   * Default: the stack config `gcore:apiKey` (set it with `--secret`), else the environment
   * variable `GCORE_API_KEY`. Stored as a secret when given here.
   */
  apiKey?: pulumi.Input<string>;
}

/**
 * A Gcore user's JWT pair (access token: 1 h, refresh token: 24 h), issued through the reseller
 * endpoint `GET /iam/auth/jwt/users/{userId}/token`.
 *
 * - A plain `pulumi up` before `rotatesAt` calls no API. At or after `rotatesAt` (or when
 *   `rotationTrigger` changes) it renews the pair in place through `POST /iam/auth/jwt/refresh`.
 *   When the refresh token has expired, was rejected (blacklisted) or the refresh answer was lost,
 *   it issues a new pair through the reseller endpoint instead and says why in the engine log.
 * - `pulumi refresh` / `up --refresh` drop the resource when both tokens have expired or the user
 *   no longer exists (`up --refresh` then issues a new pair in the same run).
 *
 * Limits: Gcore has no endpoint that revokes a JWT. Renewal blacklists the old refresh token, but
 * an old access token stays valid until its `exp` (at most 1 h), and `pulumi destroy` only forgets
 * the pair: its access token stays valid up to 1 h and its refresh token up to 24 h. The identity
 * outputs are decoded from the access token, not verified. Run `pulumi up` at least once every
 * `60 − rotateBeforeMinutes` minutes if consumers need an access token that is always valid.
 *
 * @example
 * ```ts
 * import * as pulumi from "@pulumi/pulumi";
 * import { gcore } from "pulumi-tokens";
 *
 * const support = new gcore.UserToken("support", { userId: 1234, rotateBeforeMinutes: 10 });
 * export const accessToken = support.accessToken; // secret; send as `Authorization: Bearer <token>`
 * export const rotatesAt = support.rotatesAt;
 * ```
 */
export class UserToken extends pulumi.CustomResource {
  /** The user id (input). */
  declare readonly userId: pulumi.Output<number>;
  /** The rotate-before window in minutes (input, default applied). */
  declare readonly rotateBeforeMinutes: pulumi.Output<number>;
  /** The rotation trigger (input), if any. */
  declare readonly rotationTrigger: pulumi.Output<string | undefined>;
  /** The API this pair was issued by (resolved from input, config, environment or default). */
  declare readonly apiUrl: pulumi.Output<string>;
  /** The API key given as input, if any (secret). */
  declare readonly apiKey: pulumi.Output<string | undefined>;
  /** The `caCertificate` input, when one was given. */
  declare readonly caCertificate: pulumi.Output<string | undefined>;
  /** The access JWT, for `Authorization: Bearer <token>` (secret). */
  declare readonly accessToken: pulumi.Output<string>;
  /** The refresh JWT (secret). Used once by the next renewal, which blacklists it. */
  declare readonly refreshToken: pulumi.Output<string>;
  /** When the access token expires (RFC 3339, its `exp` claim). */
  declare readonly accessExpiresAt: pulumi.Output<string>;
  /** When the refresh token expires (RFC 3339, its `exp` claim). */
  declare readonly refreshExpiresAt: pulumi.Output<string>;
  /** Same as `accessExpiresAt`: the expiry the rotation schedule is based on. */
  declare readonly expiresAt: pulumi.Output<string>;
  /** When a plain `pulumi up` renews the pair: `accessExpiresAt − rotateBeforeMinutes`. */
  declare readonly rotatesAt: pulumi.Output<string>;
  /** The user's account (client) id, from the `client_id` claim. */
  declare readonly clientId: pulumi.Output<number>;
  /** The user type, e.g. "common", from the `user_type` claim. */
  declare readonly userType: pulumi.Output<string>;
  /** The login name (usually the e-mail), from the `username` claim. */
  declare readonly username: pulumi.Output<string>;
  /** The e-mail address, from the `email` claim. */
  declare readonly email: pulumi.Output<string>;
  /** The user's groups (roles), e.g. ["Administrators"], from the `user_groups` claim. */
  declare readonly userGroups: pulumi.Output<string[]>;
  /** The account (company) name, from the `client_name` claim. */
  declare readonly clientName: pulumi.Output<string>;

  /**
   * @param name - the Pulumi resource name.
   * @param args - the user and the renewal policy; see {@link UserTokenArgs}.
   * @param opts - the usual resource options.
   */
  constructor(name: string, args: UserTokenArgs, opts?: pulumi.CustomResourceOptions) {
    const restoreStacks = withoutPromiseStacks();
    try {
      super(...tokenRegistration(USER_TOKEN, name, args, opts));
      presentDerivedOutputs(this, USER_TOKEN);
    } finally {
      restoreStacks();
    }
  }
}
