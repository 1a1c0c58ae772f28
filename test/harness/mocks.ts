/**
 * The resource classes under `pulumi.runtime.setMocks`: installs the mocks for a test file and
 * records what each resource sent to the engine, resource options included.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll } from "vitest";

/** The key Pulumi marks a secret with on the wire: `{ [SIG_KEY]: SECRET_SIG, value }`. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** The value under {@link SIG_KEY} that marks a secret. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** One registerResource request as the engine received it. */
export interface Registered {
  /** The type token, e.g. "pulumi-nodejs:dynamic/gcore:UserToken". */
  type: string;
  /** The resource's logical name. */
  name: string;
  /** The inputs as sent, secrets still wrapped (see {@link SIG_KEY}). */
  inputs: Record<string, unknown>;
  /** The resource option `additionalSecretOutputs`. */
  additionalSecretOutputs: string[];
}

/** The part of the gRPC RegisterResourceRequest read here. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getObject(): { toJavaScript(): Record<string, unknown> };
  getAdditionalsecretoutputsList(): string[];
}

/**
 * Installs Pulumi's mocks in a `beforeAll` of the calling test file (call it once, at top level).
 * `newResource` answers every resource registration with its id and output state; `registered`
 * fills with every request, since the mock monitor does not pass resource options to `newResource`.
 */
export function installResourceMocks(
  newResource: (args: pulumi.runtime.MockResourceArgs) => { id: string; state: Record<string, unknown> },
): { registered: Registered[] } {
  const registered: Registered[] = [];
  beforeAll(async () => {
    await pulumi.runtime.setMocks({ newResource, call: (args) => args.inputs }, "project", "stack", false);
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      registerResource(req: RegisterRequest, callback: unknown): Promise<void>;
    };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      registered.push({
        type: req.getType(),
        name: req.getName(),
        inputs: req.getObject().toJavaScript(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      });
      return original(req, callback);
    };
  });
  return { registered };
}

/** Resolves with the value of `output` once the (mocked) engine has produced it. */
export function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => {
    output.apply((value) => {
      resolve(value);
      return value;
    });
  });
}
