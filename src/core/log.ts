/**
 * One-line notices from the provider process.
 *
 * The Pulumi engine shows every line a provider plugin writes to stderr in the `pulumi up` output,
 * so this is how a provider tells the user why it did something unusual (a fallback, an insecure
 * option). Lines are scrubbed of anything credential-shaped before they are written.
 *
 * @module
 */
import type { Vendor } from "../errors.ts";
import { redact } from "./redact.ts";

type Sink = (line: string) => void;

let sink: Sink = (line) => process.stderr.write(`${line}\n`);

/** Writes `pulumi-tokens: <vendor>: <message>` to the engine log. */
export function notice(vendor: Vendor, message: string): void {
  sink(`pulumi-tokens: ${vendor}: ${redact(message)}`);
}

/** Replaces where notices go (tests); returns a function that restores the previous sink. */
export function captureNotices(next: Sink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}
