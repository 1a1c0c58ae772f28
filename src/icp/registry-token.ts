/**
 * `icp.RegistryToken`: a short-lived Docker registry token from IBM Cloud Private.
 *
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { presentDerivedOutputs, tokenRegistration, withoutPromiseStacks } from "../core/token-resource.ts";
import { REGISTRY_TOKEN } from "./definition.ts";

/** Inputs of {@link RegistryToken}. */
export interface RegistryTokenArgs {
  /**
   * The cluster's management endpoint, `https://<master host>:8443` (https only). Default: the
   * stack config `icp:clusterUrl`, else the environment variable `ICP_CLUSTER_URL`. Changing the
   * resolved value replaces the token.
   */
  clusterUrl?: pulumi.Input<string>;
  /**
   * ICP user for the OIDC password grant; give it with `password`, or give `idToken` instead.
   * Default: stack config `icp:username`, else `ICP_USERNAME`. Changing the input replaces the token.
   */
  username?: pulumi.Input<string>;
  /** Password of `username` (stored as a secret). Default: stack config `icp:password`, else `ICP_PASSWORD`. */
  password?: pulumi.Input<string>;
  /**
   * An ICP ID token (JWT, e.g. from `cloudctl tokens`) used instead of `username`/`password`; it
   * must stay valid for every later rotation (ICP ID tokens are short-lived: often about 12 h, but
   * that is not documented). Stored as a secret.
   * Default: stack config `icp:idToken`, else `ICP_ID_TOKEN`.
   */
  idToken?: pulumi.Input<string>;
  /**
   * Registry scope(s) asked for, in the Docker grammar
   * `type[(class)]:name:action[,action]`, several separated by single spaces, e.g.
   * `repository:ns/app:pull`. The name may carry a `host:port/` prefix. Default: none (the token
   * then grants no repository access). Changing it replaces the token.
   */
  scope?: pulumi.Input<string>;
  /**
   * The token service name, sent as `service` with every request and becoming the token's `aud`
   * claim: it must equal the `service` the registry is configured with (its 401 challenge names it),
   * or the registry refuses the token. Default `token-service`, as ICP's image-manager uses.
   * Changing it replaces the token.
   */
  service?: pulumi.Input<string>;
  /**
   * The registry host the `dockerConfigJson` entry is for, `host[:port]` without scheme.
   * Default: the cluster host on port 8500, e.g. `mycluster.icp:8500`. Changing it replaces the token.
   */
  registry?: pulumi.Input<string>;
  /**
   * PEM of the CA that signed the cluster's certificate (ICP clusters use their own CA). Default:
   * stack config `icp:caCertificate`, else `ICP_CA_CERT` (PEM text, not a path), else the system CAs.
   */
  caCertificate?: pulumi.Input<string>;
  /**
   * Skip TLS certificate verification. Dangerous; only as an explicit input (no config or env
   * fallback), and every use writes a warning to the engine log. Default false.
   */
  insecureSkipTlsVerify?: pulumi.Input<boolean>;
  /** Fetch a new token this many minutes before expiry; an integer 1-29 (tokens live 30 min). Default 5. */
  rotateBeforeMinutes?: pulumi.Input<number>;
  /** Any string; changing it fetches a new token on the next `up` (like `keepers`). */
  rotationTrigger?: pulumi.Input<string>;
}

/** One resource scope granted by the token (its `access` claim). */
export interface RegistryAccess {
  /** e.g. `repository`. */
  type: string;
  /** Resource class, when the cluster sent one (deprecated in the protocol). */
  class?: string;
  /** e.g. `ns/app`. */
  name: string;
  /** Granted actions, e.g. `["pull"]`; empty when the user may do none of the requested ones. */
  actions: string[];
}

/**
 * A Docker registry token (JWT, 30 minutes) from an IBM Cloud Private cluster's image-manager, as a
 * raw `token` (send it as `Authorization: Bearer`) and as `dockerConfigJson`, a Docker client config
 * that Docker, crane and buildkit use as is. Not for Kubernetes `imagePullSecrets`: the kubelet reads
 * only username/password credentials, which a registry JWT cannot be (docs/icp.md).
 *
 * With `username`/`password` it first asks the cluster's identity provider for an ID token, then
 * gets the registry token with it; with `idToken` it only does the second call. A plain `pulumi up`
 * before `rotatesAt` calls nothing; from `rotatesAt` on, it fetches a new token in place (the old one
 * simply expires; nothing can revoke it). `pulumi refresh` decodes the stored token locally: once
 * expired the resource is gone and `pulumi up --refresh` creates it again.
 *
 * Limits: ICP has no revoke endpoint, so `destroy` only forgets the token (it stays valid until it
 * expires). Claims (`access`, expiry) are decoded, not verified. A token only stays fresh if
 * `pulumi up` runs at least every `30 − rotateBeforeMinutes` minutes.
 *
 * @example
 * ```ts
 * import * as pulumi from "@pulumi/pulumi";
 * import { icp } from "pulumi-tokens";
 *
 * const config = new pulumi.Config();
 * const pull = new icp.RegistryToken("pull", {
 *   clusterUrl: "https://mycluster.icp:8443",
 *   username: "ci",
 *   password: config.requireSecret("icpPassword"),
 *   scope: "repository:ns/app:pull",
 *   caCertificate: config.require("icpCa"),
 * });
 * export const dockerConfig = pull.dockerConfigJson; // secret: write it to $DOCKER_CONFIG/config.json
 * ```
 */
export class RegistryToken extends pulumi.CustomResource {
  /** The registry JWT (secret). */
  declare readonly token: pulumi.Output<string>;
  /** When the token was issued (RFC 3339). */
  declare readonly issuedAt: pulumi.Output<string>;
  /** When the token stops working (RFC 3339), from its `exp` claim. */
  declare readonly expiresAt: pulumi.Output<string>;
  /** `expiresAt − rotateBeforeMinutes`: the first `pulumi up` from then on fetches a new token. */
  declare readonly rotatesAt: pulumi.Output<string>;
  /** The registry host (`host:port`) the token and `dockerConfigJson` are for. */
  declare readonly registry: pulumi.Output<string>;
  /** What the token grants (its `access` claim, decoded, not verified); empty without `scope`. */
  declare readonly access: pulumi.Output<RegistryAccess[]>;
  /**
   * `{"auths":{"<registry>":{"registrytoken":"<token>"}}}` (secret): a Docker client config
   * (`$DOCKER_CONFIG/config.json`) that Docker, crane and buildkit send as `Authorization: Bearer`.
   * The kubelet ignores `registrytoken`: do not use it for `imagePullSecrets`.
   */
  declare readonly dockerConfigJson: pulumi.Output<string>;
  /** The cluster endpoint used (the input, or the resolved stack config / environment value). */
  declare readonly clusterUrl: pulumi.Output<string>;
  /** The scope asked for, if any. */
  declare readonly scope: pulumi.Output<string | undefined>;
  /** The token service name sent (the token's `aud`). */
  declare readonly service: pulumi.Output<string>;
  /** The rotate-before window in minutes. */
  declare readonly rotateBeforeMinutes: pulumi.Output<number>;
  /** The rotation trigger (input), if any. */
  declare readonly rotationTrigger: pulumi.Output<string | undefined>;
  /** The `username` input, when one was given (config and environment values are not stored). */
  declare readonly username: pulumi.Output<string | undefined>;
  /** The `password` input, when one was given (secret). */
  declare readonly password: pulumi.Output<string | undefined>;
  /** The `idToken` input, when one was given (secret). */
  declare readonly idToken: pulumi.Output<string | undefined>;
  /** The `caCertificate` input, when one was given. */
  declare readonly caCertificate: pulumi.Output<string | undefined>;
  /** The `insecureSkipTlsVerify` input, when one was given. */
  declare readonly insecureSkipTlsVerify: pulumi.Output<boolean | undefined>;

  /**
   * @param name - the Pulumi resource name.
   * @param args - see {@link RegistryTokenArgs}; everything is optional when stack config or the
   *   environment supplies the cluster and the credentials.
   * @param opts - resource options.
   */
  constructor(name: string, args: RegistryTokenArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const restoreStacks = withoutPromiseStacks();
    try {
      super(...tokenRegistration(REGISTRY_TOKEN, name, args, opts));
      presentDerivedOutputs(this, REGISTRY_TOKEN);
    } finally {
      restoreStacks();
    }
  }
}
