/**
 * A stand-in for Pulumi's Node.js language plugin (`pulumi-language-nodejs`), which cannot be built here (see
 * CONTRIBUTING.md), so that the real CLI can run the Pulumi.yaml projects under examples/ as directory
 * projects: `pulumi up --cwd <project>` as a pipeline runs it. It serves the Automation API's own
 * inline-program host (the `LanguageServer` that `stack.up()` runs in process) as a plugin: the engine starts
 * it, reads the port it prints, and each `Run` imports the project's entry point (Node strips the types) and
 * runs its default export, whose result becomes the stack outputs, as `@pulumi/pulumi/cmd/run` does.
 *
 * {@link installLanguageHost} writes the executable `pulumi-language-nodejs` into a bin dir to put on PATH.
 */
import { existsSync } from "node:fs";
import { chmod, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Writes `<binDir>/pulumi-language-nodejs`, which runs this file with the checkout's Node (npm `node`, which
 * strips TypeScript types), or the current one.
 */
export async function installLanguageHost(binDir: string): Promise<string> {
  const path = join(binDir, "pulumi-language-nodejs");
  const local = fileURLToPath(new URL("../../node_modules/.bin/node", import.meta.url));
  const node = existsSync(local) ? local : process.execPath;
  const script = `#!/bin/sh\nexec "${node}" "${fileURLToPath(import.meta.url)}" "$@"\n`;
  await writeFile(path, script);
  await chmod(path, 0o755);
  return path;
}

interface RunCall {
  request: {
    getInfo(): { getProgramDirectory(): string; getEntryPoint(): string } | undefined;
    getArgsList(): string[];
    setArgsList(args: string[]): void;
  };
}

async function serve(engineAddress: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const pulumiDir = require.resolve("@pulumi/pulumi");
  const fromPulumi = createRequire(pulumiDir);
  const grpc = fromPulumi("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const { LanguageServer } = fromPulumi("./automation/server.js") as {
    LanguageServer: new (program: () => Promise<unknown>) => {
      run(call: unknown, callback: unknown): unknown;
    };
  };
  const { LanguageRuntimeService } = fromPulumi("./proto/language_grpc_pb.js") as {
    LanguageRuntimeService: import("@grpc/grpc-js").ServiceDefinition;
  };
  const { grpcChannelOptions } = fromPulumi("./runtime/settings.js") as { grpcChannelOptions: object };

  let entry = "";
  const host = new LanguageServer(async () => {
    const module = (await import(pathToFileURL(entry).href)) as { default?: unknown };
    return typeof module.default === "function" ? (module.default as () => unknown)() : module.default;
  });
  const run = host.run.bind(host);
  host.run = (call: unknown, callback: unknown) => {
    const request = (call as RunCall).request;
    const info = request.getInfo();
    if (info) entry = join(info.getProgramDirectory(), info.getEntryPoint() || "index.ts");
    // The engine gives a plugin its address as the last argument; the in-process host reads it from the args.
    if (request.getArgsList().length === 0) request.setArgsList([engineAddress]);
    return run(call, callback);
  };

  const server = new grpc.Server({ ...grpcChannelOptions });
  server.addService(
    LanguageRuntimeService,
    host as unknown as import("@grpc/grpc-js").UntypedServiceImplementation,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  process.stdout.write(`${port}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve(process.argv.at(-1) ?? "");
