/**
 * `registry.Token`: a short-lived token of the Docker Registry v2 token protocol.
 *
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { presentDerivedOutputs, tokenRegistration, withoutPromiseStacks } from "../core/token-resource.ts";
import { TOKEN } from "./definition.ts";

/** Inputs of {@link Token}. */
export interface TokenArgs {
  /**
   * The registry, `https://<host>[:port]` with no path. Its `GET /v2/` challenge names the token
   * server (`realm`) and the `service`. Give this, or `realm` and `service`. Changing it replaces the token.
   */
  registryUrl?: pulumi.Input<string>;
  /**
   * The token server's URL (e.g. `https://auth.docker.io/token`); overrides the challenge's, and names a
   * host you trust. https only, unless `allowInsecureHttp`. Changing it replaces the token.
   */
  realm?: pulumi.Input<string>;
  /**
   * The service name sent with every request, which becomes the token's audience; it must equal the
   * registry's configured service. Default: the challenge's. Changing it replaces the token.
   */
  service?: pulumi.Input<string>;
  /**
   * Host names of token servers you trust on another host than the registry (e.g. `auth.docker.io`).
   * A challenge naming any other host is refused before a credential is sent.
   */
  trustedRealmHosts?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * One or more scopes, `type[(class)]:name:action[,action]`, e.g. `repository:team/app:pull,push` or
   * `registry:catalog:*`; actions are pull, push, delete and `*`. Changing them replaces the token.
   */
  scopes: pulumi.Input<pulumi.Input<string>[]>;
  /** User name (Basic or OAuth2 password grant). Default: stack config `registry:username`, else `REGISTRY_USERNAME`. */
  username?: pulumi.Input<string>;
  /** Password (secret). Default: stack config `registry:password`, else `REGISTRY_PASSWORD`. */
  password?: pulumi.Input<string>;
  /**
   * A long-lived OAuth2 refresh token (Docker's `identitytoken`), secret. Default: stack config
   * `registry:refreshToken`, else `REGISTRY_REFRESH_TOKEN`.
   */
  refreshToken?: pulumi.Input<string>;
  /** `client_id` of the OAuth2 grants. Default `pulumi-tokens`. */
  clientId?: pulumi.Input<string>;
  /**
   * `auto` (default: a refresh token → OAuth2 `refresh_token`; user name and password → Basic GET;
   * nothing → anonymous), `basic`, `password` (OAuth2 POST, falling back to Basic GET on 404/405),
   * `refresh_token` or `anonymous`.
   */
  grantType?: pulumi.Input<"auto" | "basic" | "password" | "refresh_token" | "anonymous">;
  /** The `host[:port]` the `dockerConfigJson` entry is for. Default: the registry's host (else the realm's). */
  registry?: pulumi.Input<string>;
  /**
   * PEM of the CA of a private registry or token server. Default: stack config `registry:caCertificate`,
   * else `REGISTRY_CA_CERT` (PEM text), else the system CAs.
   */
  caCertificate?: pulumi.Input<string>;
  /** Allow `http://` for `registryUrl` and `realm` (loopback tests). Default false. */
  allowInsecureHttp?: pulumi.Input<boolean>;
  /**
   * Fetch a new token this many seconds before expiry; 0-86400, default 300. A token that lives no
   * longer than this is fetched again on every `pulumi up`.
   */
  rotateBeforeSeconds?: pulumi.Input<number>;
  /** Any string; changing it fetches a new token on the next `up` (like `keepers`). */
  rotationTrigger?: pulumi.Input<string>;
}

/** One resource scope the token grants. */
export interface TokenAccess {
  /** e.g. `repository`. */
  type: string;
  /** Resource class, when the server sent one. */
  class?: string;
  /** e.g. `team/app`. */
  name: string;
  /** Granted actions, e.g. `["pull"]`. */
  actions: string[];
}

/**
 * A short-lived registry token from any token server of the Docker Registry v2 token protocol (the
 * CNCF distribution registry's, Harbor, GitLab, Docker Hub, …), as a raw `token` (send it as
 * `Authorization: Bearer`) and as `dockerConfigJson` (`registrytoken`, which docker, crane and buildkit
 * use as is). A plain `pulumi up` before `rotatesAt` calls nothing; from then on it fetches a new
 * token in place. The protocol has no revoke: `destroy` forgets the token, which works until it expires.
 * See docs/registry.md.
 *
 * @example
 * ```ts
 * import * as pulumi from "@pulumi/pulumi";
 * import { registry } from "pulumi-tokens";
 *
 * const config = new pulumi.Config();
 * const push = new registry.Token("push", {
 *   registryUrl: "https://registry.example.com",
 *   scopes: ["repository:team/app:pull,push"],
 *   username: "ci",
 *   password: config.requireSecret("registryPassword"),
 * });
 * export const dockerConfig = push.dockerConfigJson; // secret
 * ```
 */
export class Token extends pulumi.CustomResource {
  /** The registry token, a JWT or opaque (secret). */
  declare readonly token: pulumi.Output<string>;
  /** When the token was issued (RFC 3339). */
  declare readonly issuedAt: pulumi.Output<string>;
  /** When the token stops working (RFC 3339). */
  declare readonly expiresAt: pulumi.Output<string>;
  /** `expiresAt − rotateBeforeSeconds`: the first `pulumi up` from then on fetches a new token. */
  declare readonly rotatesAt: pulumi.Output<string>;
  /** What the token grants: a JWT's `access` claim; for an opaque token, the scopes asked for (not verified). */
  declare readonly access: pulumi.Output<TokenAccess[]>;
  /** `{"auths":{"<registry>":{"registrytoken":"<token>"}}}` (secret). */
  declare readonly dockerConfigJson: pulumi.Output<string>;
  /** The token server's URL used (the input, or the challenge's). */
  declare readonly realm: pulumi.Output<string>;
  /** The service name used (the token's audience). */
  declare readonly service: pulumi.Output<string>;
  /** The `host[:port]` of the `dockerConfigJson` entry. */
  declare readonly registry: pulumi.Output<string>;
  /** The `registryUrl` input. */
  declare readonly registryUrl: pulumi.Output<string | undefined>;
  /** The scopes asked for. */
  declare readonly scopes: pulumi.Output<string[]>;
  /** The `trustedRealmHosts` input. */
  declare readonly trustedRealmHosts: pulumi.Output<string[] | undefined>;
  /** The `username` input, when one was given. */
  declare readonly username: pulumi.Output<string | undefined>;
  /** The `password` input, when one was given (secret). */
  declare readonly password: pulumi.Output<string | undefined>;
  /** The `refreshToken` input, when one was given (secret). */
  declare readonly refreshToken: pulumi.Output<string | undefined>;
  /** The `client_id` sent. */
  declare readonly clientId: pulumi.Output<string>;
  /** The grant type. */
  declare readonly grantType: pulumi.Output<string>;
  /** The `caCertificate` input, when one was given. */
  declare readonly caCertificate: pulumi.Output<string | undefined>;
  /** The `allowInsecureHttp` input, when one was given. */
  declare readonly allowInsecureHttp: pulumi.Output<boolean | undefined>;
  /** The rotate-before window in seconds. */
  declare readonly rotateBeforeSeconds: pulumi.Output<number>;
  /** The rotation trigger (input), if any. */
  declare readonly rotationTrigger: pulumi.Output<string | undefined>;

  /**
   * @param name - the Pulumi resource name.
   * @param args - see {@link TokenArgs}.
   * @param opts - resource options.
   */
  constructor(name: string, args: TokenArgs, opts?: pulumi.CustomResourceOptions) {
    const restoreStacks = withoutPromiseStacks();
    try {
      super(...tokenRegistration(TOKEN, name, args, opts));
      presentDerivedOutputs(this, TOKEN);
    } finally {
      restoreStacks();
    }
  }
}
