/**
 * The gRPC ResourceProvider server of `pulumi-resource-tokens`.
 *
 * Why not `main()` of `@pulumi/pulumi/provider`: that server (provider/server.js) ignores Configure's
 * variables and arguments, cannot answer a Diff with a detailed diff, and converts every Struct with
 * `toJavaScript()`, so secrets arrive as raw signature objects and cannot be returned as secrets.
 * This plugin needs all three (provider config, a detailed diff in previews, credentials stored
 * encrypted because the provider itself answers with secrets). So it serves the same protocol the same
 * way, with Pulumi's own pieces: the generated stubs and messages that ship in `@pulumi/pulumi/proto`
 * (`provider_grpc_pb`, `provider_pb`, `plugin_pb`, `engine_grpc_pb` for the engine's `Log`), the
 * protobuf well-known types and `@grpc/grpc-js` that `@pulumi/pulumi` depends on (src/plugin/wire.ts),
 * and `main()`'s start-up: listen on 127.0.0.1, print the port on stdout, serve until the engine stops
 * the process. The Pulumi protocol, Pulumi's types, Pulumi's stubs: only the dispatch is written here.
 *
 * Implemented: Handshake, GetPluginInfo, GetSchema, CheckConfig, DiffConfig, Configure, Check, Diff,
 * Create, Read, Update, Delete, Cancel, Attach. Everything else answers UNIMPLEMENTED. Two engine facts
 * shape it: after a Handshake the engine asks Create and Update for previews whatever Configure says
 * (they answer without any API call: a preview issues no token), and it hides a resource plugin's
 * stderr, so the package's notices (the rotation reason line) go through the engine's `Log` call
 * (src/plugin/engine-log.ts).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import sea from "node:sea";
import type * as grpcTypes from "@grpc/grpc-js";
import { TokenError } from "../errors.ts";
import { configFailures, SECRET_SETTINGS } from "./config.ts";
import { connectEngine, flushLogs, withResource } from "./engine-log.ts";
import { PluginProvider } from "./provider.ts";
import { unwrapSecrets, wrapSecrets } from "./secrets.ts";
import { emptyproto, grpc, pluginproto, provproto, provrpc, structproto } from "./wire.ts";
import type { Properties } from "../core/properties.ts";

type Struct = InstanceType<typeof structproto.Struct>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generated stubs' request types
type Call = grpcTypes.ServerUnaryCall<any, any>;
type Callback = grpcTypes.sendUnaryData<unknown>;

/**
 * A file the plugin ships: an asset of the single executable (scripts/package-plugin.sh), else read
 * from the first of `candidates` (relative to this module) that exists.
 */
function shippedFile(asset: string, candidates: string[]): string {
  if (sea.isSea()) return sea.getAsset(asset, "utf8");
  for (const candidate of candidates) {
    try {
      return readFileSync(new URL(candidate, import.meta.url), "utf8");
    } catch {
      // try the next place
    }
  }
  throw new Error(`pulumi-resource-tokens: ${asset} is missing from the package`);
}

/** This package's version (the plugin's version). */
export const VERSION = (
  JSON.parse(shippedFile("package.json", ["../../package.json"])) as { version: string }
).version;

/** The checked-in schema.json: beside this file in the sources, under src/plugin/ from dist/plugin/. */
export function schemaText(): string {
  return shippedFile("schema.json", ["./schema.json", "../../src/plugin/schema.json"]);
}

function toBag(struct: Struct | undefined): Properties {
  return (struct?.toJavaScript() ?? {}) as Properties;
}

/** Drops undefined values (a Struct has no such value), deeply. */
function defined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(defined);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [key, defined(item)]),
    );
  }
  return value;
}

function toStruct(bag: Properties): Struct {
  return structproto.Struct.fromJavaScript(
    defined(bag) as Parameters<typeof structproto.Struct.fromJavaScript>[0],
  );
}

/** The gRPC error for a failed operation: the message the engine prints, nothing else. */
function failure(error: unknown): Partial<grpcTypes.StatusObject> {
  const message = error instanceof Error ? error.message : String(error);
  const presented =
    error instanceof Error && (error.cause instanceof TokenError || error instanceof TokenError);
  if (!presented && error instanceof Error) process.stderr.write(`${error.stack ?? message}\n`);
  return { code: grpc.status.UNKNOWN, details: message };
}

function unimplemented(name: string) {
  return (_call: Call, callback: Callback) =>
    callback(
      { code: grpc.status.UNIMPLEMENTED, details: `pulumi-resource-tokens does not implement ${name}` },
      null,
    );
}

/**
 * Answers one unary call with `handler`'s response or its error. Notices written meanwhile are about
 * the request's resource, and reach the engine before the answer.
 */
function unary<Request>(handler: (request: Request) => Promise<unknown> | unknown) {
  return (call: Call, callback: Callback) => {
    const request = call.request as Request & { getUrn?: () => string };
    const urn = typeof request.getUrn === "function" ? request.getUrn() : "";
    withResource(urn, async () => handler(request))
      .then(
        async (response) => {
          await flushLogs();
          callback(null, response);
        },
        async (error: unknown) => {
          await flushLogs();
          callback(failure(error), null);
        },
      )
      .catch(() => undefined);
  };
}

type Requests = typeof provproto;
/** The request message of an RPC, e.g. `Request<"CheckRequest">`. */
type Request<Name extends keyof Requests> = Requests[Name] extends new () => infer Message ? Message : never;

/** The service implementation. */
export function createService(provider = new PluginProvider()): grpcTypes.UntypedServiceImplementation {
  const implemented: grpcTypes.UntypedServiceImplementation = {
    handshake: unary(handshake),
    getPluginInfo: unary(getPluginInfo),
    getSchema: unary(getSchema),
    checkConfig: unary(checkConfig),
    diffConfig: unary(diffConfig),
    configure: unary((request: Request<"ConfigureRequest">) => configure(provider, request)),
    check: unary((request: Request<"CheckRequest">) => check(provider, request)),
    diff: unary((request: Request<"DiffRequest">) => diff(provider, request)),
    create: unary((request: Request<"CreateRequest">) => create(provider, request)),
    read: unary((request: Request<"ReadRequest">) => read(provider, request)),
    update: unary((request: Request<"UpdateRequest">) => update(provider, request)),
    delete: unary((request: Request<"DeleteRequest">) => deleteResource(provider, request)),
    cancel: unary(() => new emptyproto.Empty()),
    attach: unary(() => new emptyproto.Empty()),
  };
  const service: grpcTypes.UntypedServiceImplementation = {};
  for (const name of Object.keys(provrpc.ResourceProviderService)) {
    service[name] = implemented[name] ?? unimplemented(name);
  }
  return service;
}

/** The resource type a request is about: its type, else the type in its URN. */
function typeOfRequest(request: { getType(): string; getUrn(): string }): string {
  return request.getType() || typeOf(request.getUrn());
}

/** The `CheckFailure` messages of a Check or CheckConfig answer. */
function checkFailures(failures: readonly { property: string; reason: string }[]) {
  return failures.map(({ property, reason }) => {
    const entry = new provproto.CheckFailure();
    entry.setProperty(property);
    entry.setReason(reason);
    return entry;
  });
}

/** A Diff's `changes`: some or none. */
function diffChanges(changed: boolean) {
  return changed
    ? provproto.DiffResponse.DiffChanges.DIFF_SOME
    : provproto.DiffResponse.DiffChanges.DIFF_NONE;
}

/** `Handshake`: connects to the engine's `Log` and accepts secrets, not resource references or outputs. */
function handshake(request: Request<"ProviderHandshakeRequest">) {
  connectEngine(request.getEngineAddress());
  const response = new provproto.ProviderHandshakeResponse();
  response.setAcceptSecrets(true);
  response.setAcceptResources(false);
  response.setAcceptOutputs(false);
  return response;
}

/** `GetPluginInfo`: this package's version. */
function getPluginInfo() {
  const info = new pluginproto.PluginInfo();
  info.setVersion(VERSION);
  return info;
}

/** `GetSchema`: the shipped schema.json (version 0, the only one). */
function getSchema(request: Request<"GetSchemaRequest">) {
  if (request.getVersion() !== 0) throw new Error(`unsupported schema version ${request.getVersion()}`);
  const response = new provproto.GetSchemaResponse();
  response.setSchema(schemaText());
  return response;
}

/** `CheckConfig`: the provider config's failures. */
function checkConfig(request: Request<"CheckRequest">) {
  // Credentials in the provider's config are stored as secrets even when given as plain strings.
  const news = toBag(request.getNews());
  const response = new provproto.CheckResponse();
  response.setInputs(toStruct(wrapSecrets(news, SECRET_SETTINGS)));
  response.setFailuresList(checkFailures(configFailures(unwrapSecrets(news).values)));
  return response;
}

/** `DiffConfig`: the changed keys of the provider config, never a replacement. */
function diffConfig(request: Request<"DiffRequest">) {
  // A config change never replaces the provider (that would replace every token): new values
  // apply from the next operation, like changed stack config for the dynamic resources.
  const olds = unwrapSecrets(toBag(request.getOldInputs() ?? request.getOlds())).values;
  const news = unwrapSecrets(toBag(request.getNews())).values;
  const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter(
    (key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]),
  );
  const response = new provproto.DiffResponse();
  response.setChanges(diffChanges(keys.length > 0));
  response.setDiffsList(keys);
  return response;
}

/** `Configure`: hands the config and variables to the provider; accepts secrets and answers previews. */
function configure(provider: PluginProvider, request: Request<"ConfigureRequest">) {
  const variables = new Map<string, string>(request.getVariablesMap().toArray());
  provider.configure(toBag(request.getArgs()), variables);
  const response = new provproto.ConfigureResponse();
  response.setAcceptsecrets(true);
  // Create and Update answer previews themselves (no API call); after a Handshake the engine asks anyway.
  response.setSupportspreview(true);
  response.setAcceptresources(false);
  response.setAcceptoutputs(false);
  return response;
}

/** `Check`: the resource's inputs, validated. */
async function check(provider: PluginProvider, request: Request<"CheckRequest">) {
  const result = await provider.check(
    typeOfRequest(request),
    toBag(request.getOlds()),
    toBag(request.getNews()),
  );
  const response = new provproto.CheckResponse();
  response.setInputs(toStruct(result.inputs));
  response.setFailuresList(checkFailures(result.failures));
  return response;
}

/** `Diff`: changes, replacements and the detailed diff (always given). */
async function diff(provider: PluginProvider, request: Request<"DiffRequest">) {
  const result = await provider.diff(
    typeOfRequest(request),
    request.getId(),
    toBag(request.getOlds()),
    toBag(request.getNews()),
  );
  const response = new provproto.DiffResponse();
  response.setChanges(diffChanges(result.changes));
  response.setReplacesList(result.replaces);
  response.setDeletebeforereplace(false);
  response.setDiffsList(result.diffs);
  const detailed = response.getDetaileddiffMap();
  for (const [key, { kind, inputDiff }] of Object.entries(result.detailedDiff)) {
    const entry = new provproto.PropertyDiff();
    entry.setKind(kind as number);
    entry.setInputdiff(inputDiff);
    detailed.set(key, entry);
  }
  response.setHasdetaileddiff(true);
  return response;
}

/** `Create`: issues the token; a preview issues nothing and answers with no id and unknown outputs. */
async function create(provider: PluginProvider, request: Request<"CreateRequest">) {
  const type = typeOfRequest(request);
  const response = new provproto.CreateResponse();
  if (request.getPreview()) {
    response.setProperties(toStruct(provider.previewCreate(type, toBag(request.getProperties())).outs));
    return response;
  }
  const result = await provider.create(type, toBag(request.getProperties()));
  response.setId(result.id);
  response.setProperties(toStruct(result.outs));
  return response;
}

/** `Read`: the live resource, or no id when it is gone. */
async function read(provider: PluginProvider, request: Request<"ReadRequest">) {
  const result = await provider.read(
    typeOfRequest(request),
    request.getId(),
    toBag(request.getProperties()),
    toBag(request.getInputs()),
  );
  const response = new provproto.ReadResponse();
  if (result === undefined) return response; // no id: the resource is gone
  response.setId(result.id);
  response.setProperties(toStruct(result.props));
  response.setInputs(toStruct(result.inputs));
  return response;
}

/** `Update`: renews or rotates; a preview makes no API call. */
async function update(provider: PluginProvider, request: Request<"UpdateRequest">) {
  const args = [
    typeOfRequest(request),
    request.getId(),
    toBag(request.getOlds()),
    toBag(request.getNews()),
  ] as const;
  const result = request.getPreview()
    ? await provider.previewUpdate(...args)
    : await provider.update(...args);
  const response = new provproto.UpdateResponse();
  response.setProperties(toStruct(result.outs));
  return response;
}

/** `Delete`: revokes what can be revoked. */
async function deleteResource(provider: PluginProvider, request: Request<"DeleteRequest">) {
  await provider.delete(typeOfRequest(request), request.getId(), toBag(request.getProperties()));
  return new emptyproto.Empty();
}

/** The type token of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`), for engines that send no type. */
export function typeOf(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  return qualified.split("$").pop() ?? qualified;
}

/**
 * The engine's address among the plugin's arguments (the first that is not a flag), as
 * `@pulumi/pulumi/provider`'s `main()` reads it.
 */
export function engineAddressOf(args: readonly string[]): string | undefined {
  const rest: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === "--logtostderr" || arg.startsWith("-v=")) continue;
    if (arg === "--tracing") {
      index++;
      continue;
    }
    rest.push(arg);
  }
  return rest[0];
}

/** Serves the provider on 127.0.0.1 and prints the port on stdout, as the engine expects. */
export async function serve(args: readonly string[] = process.argv.slice(2)): Promise<grpcTypes.Server> {
  connectEngine(engineAddressOf(args));
  const server = new grpc.Server({
    "grpc.max_receive_message_length": 400 * 1024 * 1024,
    "grpc.max_send_message_length": 400 * 1024 * 1024,
  });
  server.addService(
    provrpc.ResourceProviderService as unknown as grpcTypes.ServiceDefinition,
    createService(),
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  process.stdout.write(`${port}\n`);
  return server;
}
