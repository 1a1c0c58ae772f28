/**
 * What a user sees when a provider method fails.
 *
 * The dynamic-provider host that runs the providers (`@pulumi/pulumi/cmd/dynamic-provider`) sends
 * `error.message` to the engine, which prints it as the resource's error. For a failed check, diff,
 * read or delete it also prints `${error}: ${error.stack}` to its stderr, which the engine shows as a
 * message of the stack: for one of this package's errors that was the class name and the message
 * twice, then a stack trace into files the package does not ship. The package's errors already say
 * what failed and where, so {@link presentErrors} turns each into an `Error` with the same message
 * that the host prints as one short hint instead (`pulumi-tokens: set PULUMI_TOKENS_DEBUG=1 …`). Any
 * other error (a bug) keeps its class and stack, and `PULUMI_TOKENS_DEBUG=1` keeps the original
 * errors, stacks included.
 *
 * @module
 */
import type * as pulumi from "@pulumi/pulumi";
import { TokenError } from "../errors.ts";

/** Set this environment variable to `1` to see the full errors, with their stack traces. */
export const DEBUG_ENV = "PULUMI_TOKENS_DEBUG";

const METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;

/** Does the user want full errors (env `PULUMI_TOKENS_DEBUG=1`)? */
function debugging(): boolean {
  return process.env[DEBUG_ENV] === "1";
}

/** What the host prints to stderr for a presented error, after `pulumi-tokens: `. */
export const DEBUG_HINT = `set ${DEBUG_ENV}=1 to see the stack trace of this failure`;

/**
 * The error a provider method should throw instead of `error`: for a {@link TokenError}, an `Error`
 * with the same message (what the engine prints) that turns into `pulumi-tokens` as a string and
 * whose `stack` is {@link DEBUG_HINT}; anything else (or with `PULUMI_TOKENS_DEBUG=1`) unchanged.
 * `code` and `vendor` are kept, and the original error is the `cause`.
 */
export function presentError(error: unknown): unknown {
  if (!(error instanceof TokenError) || debugging()) return error;
  const presented = new Error(error.message, { cause: error });
  const hidden = (value: unknown) => ({ value, writable: true, configurable: true, enumerable: false });
  Object.defineProperties(presented, {
    name: hidden("pulumi-tokens"),
    stack: hidden(DEBUG_HINT),
    toString: hidden(() => "pulumi-tokens"),
    code: hidden(error.code),
    vendor: hidden(error.vendor),
  });
  return presented;
}

/** The same provider, each of whose methods throws {@link presentError}'s error instead of its own. */
export function presentErrors(provider: pulumi.dynamic.ResourceProvider): pulumi.dynamic.ResourceProvider {
  const presented: Record<string, unknown> = {};
  for (const method of METHODS) {
    const implementation = provider[method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (implementation === undefined) continue;
    presented[method] = async (...args: unknown[]) => {
      try {
        return await implementation.apply(provider, args);
      } catch (error) {
        throw presentError(error);
      }
    };
  }
  return presented as unknown as pulumi.dynamic.ResourceProvider;
}
