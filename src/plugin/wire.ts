/**
 * Pulumi's own wire modules, loaded from where `@pulumi/pulumi` is installed: the generated gRPC
 * stubs and messages of the provider protocol (`@pulumi/pulumi/proto/*`), the protobuf well-known
 * types they use (`google-protobuf`) and the gRPC runtime (`@grpc/grpc-js`). The last two are
 * dependencies of `@pulumi/pulumi`, not of this package, so they are resolved from its location:
 * the plugin then speaks with exactly the stubs and runtime the installed SDK ships. Whether
 * `@grpc/grpc-js` should become a direct dependency: not while `@pulumi/pulumi` (a peer dependency
 * that every program installs) ships it; resolving it from there keeps one copy at one version.
 *
 * @module
 */
import { createRequire } from "node:module";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as emptyTypes from "google-protobuf/google/protobuf/empty_pb.js";
import type * as structTypes from "google-protobuf/google/protobuf/struct_pb.js";
import type * as engineGrpcTypes from "@pulumi/pulumi/proto/engine_grpc_pb.js";
import type * as engineTypes from "@pulumi/pulumi/proto/engine_pb.js";
import type * as pluginTypes from "@pulumi/pulumi/proto/plugin_pb.js";
import type * as providerGrpcTypes from "@pulumi/pulumi/proto/provider_grpc_pb.js";
import type * as providerTypes from "@pulumi/pulumi/proto/provider_pb.js";

const fromHere = createRequire(import.meta.url);
/** `require` as seen from `@pulumi/pulumi`'s own directory. */
const fromPulumi = createRequire(fromHere.resolve("@pulumi/pulumi/package.json"));

/** The gRPC runtime. */
export const grpc = fromPulumi("@grpc/grpc-js") as typeof grpcTypes;
/** `google.protobuf.Struct` and friends. */
export const structproto = fromPulumi("google-protobuf/google/protobuf/struct_pb.js") as typeof structTypes;
/** `google.protobuf.Empty`. */
export const emptyproto = fromPulumi("google-protobuf/google/protobuf/empty_pb.js") as typeof emptyTypes;
/** `pulumirpc.PluginInfo`. */
export const pluginproto = fromPulumi("@pulumi/pulumi/proto/plugin_pb.js") as typeof pluginTypes;
/** `pulumirpc.*Request` / `*Response` of the ResourceProvider service. */
export const provproto = fromPulumi("@pulumi/pulumi/proto/provider_pb.js") as typeof providerTypes;
/** The ResourceProvider service definition. */
export const provrpc = fromPulumi("@pulumi/pulumi/proto/provider_grpc_pb.js") as typeof providerGrpcTypes;

/** `pulumirpc.LogRequest` and `LogSeverity`. */
export const engineproto = fromPulumi("@pulumi/pulumi/proto/engine_pb.js") as typeof engineTypes;
/** The Engine service client (its `Log` call writes to the engine's diagnostics). */
export const engrpc = fromPulumi("@pulumi/pulumi/proto/engine_grpc_pb.js") as typeof engineGrpcTypes;

export type { grpcTypes, providerTypes, structTypes };
