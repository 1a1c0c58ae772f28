/**
 * The package's notices (core/log.ts: the rotation reason, fallbacks, warnings) as engine diagnostics.
 *
 * The engine shows a dynamic provider's stderr lines, but hides the stderr of a resource plugin (it
 * keeps it for a crash report). A plugin speaks through the engine's `Log` call instead, naming the
 * resource the line is about: each request runs in {@link withResource}, and a notice written during
 * it is sent with that request's URN. {@link flushLogs} waits until the engine has every line, so a
 * reason is printed before the step it explains finishes.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type * as grpcTypes from "@grpc/grpc-js";
import { captureNotices } from "../core/log.ts";
import { engineproto, engrpc, grpc } from "./wire.ts";

type EngineClient = InstanceType<typeof engrpc.EngineClient>;

const currentUrn = new AsyncLocalStorage<string>();
const pending = new Set<Promise<void>>();
let client: EngineClient | undefined;
let address: string | undefined;
let installed = false;

/** Where the engine listens (the plugin's first argument, or the Handshake's `engine_address`). */
export function connectEngine(engineAddress: string | undefined): void {
  if (!engineAddress || engineAddress === address) return;
  client?.close();
  address = engineAddress;
  client = new engrpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
  if (!installed) {
    installed = true;
    captureNotices(send);
  }
}

function send(line: string): void {
  if (client === undefined) {
    process.stderr.write(`${line}\n`);
    return;
  }
  const request = new engineproto.LogRequest();
  request.setSeverity(
    /\bWARNING:/.test(line) ? engineproto.LogSeverity.WARNING : engineproto.LogSeverity.INFO,
  );
  request.setMessage(line);
  request.setUrn(currentUrn.getStore() ?? "");
  request.setEphemeral(false);
  const engine = client;
  const sent = new Promise<void>((resolve) => {
    engine.log(request, (error: grpcTypes.ServiceError | null) => {
      // The engine is gone or refused: the line still reaches the plugin's stderr (its crash report).
      if (error) process.stderr.write(`${line}\n`);
      resolve();
    });
  });
  pending.add(sent);
  void sent.finally(() => pending.delete(sent));
}

/** Runs `operation` with notices attributed to the resource `urn`. */
export function withResource<T>(urn: string, operation: () => Promise<T>): Promise<T> {
  return currentUrn.run(urn, operation);
}

/** Resolves once the engine has acknowledged every notice sent so far. */
export async function flushLogs(): Promise<void> {
  await Promise.all([...pending]);
}
