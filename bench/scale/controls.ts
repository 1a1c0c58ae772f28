// What each kind's program declares: the no-op resource, the two controls (no-ops that store what a
// token stores) and the tokens, through the dynamic resources and through the provider plugin.
import * as pulumi from "@pulumi/pulumi";
import { registeredKeys, withoutPromiseStacks } from "../../src/core/token-resource.ts";
import { gcore, netbird } from "../../src/index.ts";
import { PERSONAL_ACCESS_TOKEN } from "../../src/netbird/definition.ts";
import { type Kind, TYPES } from "./kinds.ts";

// The no-op provider: nothing captured, `create` answers at once.
const noopProvider: pulumi.dynamic.ResourceProvider = {
  async create() {
    return { id: "noop", outs: {} };
  },
};

class BenchNoop extends pulumi.dynamic.Resource {
  constructor(name: string, index: number) {
    super(noopProvider, name, { index }, {}, undefined, "BenchNoop");
  }
}

/** Lengths of the JWTs the Gcore emulator issues (RSA 4096), as the UserToken stores them together. */
const USER_TOKEN_JWT_LENGTHS = { accessToken: 1188, refreshToken: 1133 };
/** Characters of the UserToken's stored secret (its two JWTs as JSON): the control's secret has as many. */
export const USER_TOKEN_SECRET_CHARS = JSON.stringify({
  accessToken: "x".repeat(USER_TOKEN_JWT_LENGTHS.accessToken),
  refreshToken: "x".repeat(USER_TOKEN_JWT_LENGTHS.refreshToken),
}).length;

/**
 * The control for the UserToken: a no-op whose one secret output is as long as the UserToken's stored
 * secret, distinct per resource. What it costs over the bare no-op is the engine's own price of storing
 * that secret; what the UserToken costs over it is the package's.
 */
const secretNoopProvider: pulumi.dynamic.ResourceProvider = {
  // Pulumi serializes this closure with the lengths it captures, and stores it twice per resource.
  create: async ({ index }) => ({
    id: "noop",
    outs: {
      secrets: {
        accessToken: `${index}`.padStart(USER_TOKEN_JWT_LENGTHS.accessToken, "x"),
        refreshToken: `${index}`.padStart(USER_TOKEN_JWT_LENGTHS.refreshToken, "x"),
      },
    },
  }),
};

class BenchSecretNoop extends pulumi.dynamic.Resource {
  constructor(name: string, index: number) {
    super(
      secretNoopProvider,
      name,
      { index, secrets: undefined },
      { additionalSecretOutputs: ["secrets"] },
      undefined,
      "BenchSecretNoop",
    );
  }
}

/**
 * The `__provider` text of the PAT's control, written by hand as the package's is (a serialized closure
 * stored 1.6 KB more per resource): `create` answers at once with a PAT's stored outputs,
 * values of the same lengths.
 */
export const PAT_SHAPED_NOOP_PROVIDER =
  'exports.handler=()=>({create:async(i,p=(n)=>i.name.padStart(n,"x"),d="2026-12-04T14:32:44.634Z")=>' +
  '({id:i.name,outs:{...i,tokenId:p(20),token:"nbp_"+p(36),createdAt:d,createdBy:"user-admin",expiresAt:d}})})';

/**
 * The control for the PersonalAccessToken: a no-op registered as the PAT registers (the same output
 * keys, the same secret outputs, without the SDK's promise stacks) that stores the same properties.
 * What it costs over the bare no-op is what the engine and the SDK charge for a PAT's shape; what the
 * PAT costs over it is the package's own work (provider, HTTP) and the emulator's.
 */
class BenchPatShapedNoop extends pulumi.CustomResource {
  constructor(name: string, index: number, managementUrl: string) {
    const restoreStacks = withoutPromiseStacks();
    try {
      super(
        TYPES.patShapedNoop,
        name,
        {
          ...Object.fromEntries(registeredKeys(PERSONAL_ACCESS_TOKEN).map((key) => [key, undefined])),
          userId: "svc-ci",
          name: `bench-${index}`,
          expiresInDays: 30,
          managementUrl,
          __provider: PAT_SHAPED_NOOP_PROVIDER,
        },
        { additionalSecretOutputs: [...PERSONAL_ACCESS_TOKEN.secretOutputs] },
      );
    } finally {
      restoreStacks();
    }
  }
}

/** The NetBird PAT through the provider plugin, with its outputs declared as a generated SDK does. */
class PluginPersonalAccessToken extends pulumi.CustomResource {
  constructor(name: string, args: Record<string, unknown>) {
    const outputs = Object.fromEntries(PERSONAL_ACCESS_TOKEN.outputs.map((key) => [key, undefined]));
    super(TYPES.plugin, name, { ...outputs, ...args });
  }
}

/** The inline program that declares N resources of a kind. */
export function program(kind: Kind, n: number): () => Promise<Record<string, unknown>> {
  return async () => {
    // The PAT's control stores the resolved URL as the PAT does; read from config once per program.
    const managementUrl =
      kind === "patShapedNoop" ? new pulumi.Config("netbird").require("managementUrl") : "";
    for (let i = 0; i < n; i++) {
      if (kind === "noop") new BenchNoop(`noop-${i}`, i);
      else if (kind === "secretNoop") new BenchSecretNoop(`secret-noop-${i}`, i);
      else if (kind === "patShapedNoop") new BenchPatShapedNoop(`pat-shaped-noop-${i}`, i, managementUrl);
      else if (kind === "plugin") {
        new PluginPersonalAccessToken(`plugin-${i}`, {
          userId: "svc-ci",
          name: `bench-${i}`,
          expiresInDays: 30,
        });
      } else if (kind === "netbird") {
        new netbird.PersonalAccessToken(`pat-${i}`, {
          userId: "svc-ci",
          name: `bench-${i}`,
          expiresInDays: 30,
        });
      } else new gcore.UserToken(`user-${i}`, { userId: 1234 });
    }
    return {};
  };
}
