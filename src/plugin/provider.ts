/**
 * The plugin's resource operations on plain property bags, between the wire (src/plugin/server.ts)
 * and the vendors' token providers (the very objects the dynamic resources run, from
 * core/token-provider.ts). What is added here is only what a dynamic provider cannot do:
 *
 * - secrets: inputs arrive with secrets wrapped; they are unwrapped for the core, and every credential
 *   output, every credential input and every property that arrived secret goes back wrapped;
 * - a detailed diff: which inputs changed (replacing ones as `UPDATE_REPLACE`), and a due rotation
 *   as an update of the credential outputs (`~ token`), with the core's reason line in the engine log;
 * - import: a Read with no state reads an existing credential, for a kind that can (src/plugin/import.ts).
 *
 * @module
 */
import type * as pulumi from "@pulumi/pulumi";
import { UNKNOWN_VALUE } from "../core/check.ts";
import { presentError } from "../core/error-presentation.ts";
import { setConfigNaming, setStackConfig } from "../core/settings.ts";
import { presentedForm } from "../core/stored-form.ts";
import { providerConfigNaming, stackConfigOf } from "./config.ts";
import { importCredential } from "./import.ts";
import { type PluginResource, resourceOf } from "./resources.ts";
import { unwrapSecrets, wrapSecrets } from "./secrets.ts";
import type { Properties } from "../core/properties.ts";

/** `pulumirpc.PropertyDiff.Kind`. */
export const DiffKind = {
  ADD: 0,
  ADD_REPLACE: 1,
  DELETE: 2,
  DELETE_REPLACE: 3,
  UPDATE: 4,
  UPDATE_REPLACE: 5,
} as const;

/** One entry of a detailed diff. */
export interface PropertyDiff {
  kind: (typeof DiffKind)[keyof typeof DiffKind];
  /** True when the change is between old and new inputs; false for an output that will change. */
  inputDiff: boolean;
}

/** The answer to Diff. */
export interface DiffResult {
  changes: boolean;
  replaces: string[];
  /** The changed properties, in the order of `detailedDiff`. */
  diffs: string[];
  detailedDiff: Record<string, PropertyDiff>;
}

/** A request for an unknown type token. */
export class UnknownTypeError extends Error {
  override name = "UnknownTypeError";
  constructor(token: string) {
    super(`pulumi-resource-tokens: unknown resource type ${token}`);
  }
}

function resource(token: string): PluginResource {
  const found = resourceOf(token);
  if (!found) throw new UnknownTypeError(token);
  return found;
}

/** Keys the engine or an SDK may add (e.g. `__defaults`); never inputs. */
function withoutEngineKeys(bag: Properties): Properties {
  return Object.fromEntries(Object.entries(bag).filter(([key]) => !key.startsWith("__")));
}

/** Unwraps secrets; the names of the properties that held one are added to `secrets`. */
function plain(bag: Properties, secrets: Set<string>): Properties {
  const unwrapped = unwrapSecrets(withoutEngineKeys(bag));
  for (const key of unwrapped.secrets) secrets.add(key);
  return unwrapped.values;
}

/** The secret properties of a resource: its credential outputs and inputs, and those that arrived secret. */
function secretsOf(definition: PluginResource, arrived: Set<string>): Set<string> {
  return new Set([...definition.secretOutputs, ...definition.secretInputs, ...arrived]);
}

/** Runs a core operation; its errors as the user should see them (one line, no stack). */
async function run<T>(operation: () => Promise<T> | T): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw presentError(error);
  }
}

const hasValue = (bag: Properties, key: string) => bag[key] !== undefined && bag[key] !== null;

/** The plugin's operations: one instance per plugin process. */
export class TokensProvider {
  constructor() {
    // The core's messages then name the plugin's config keys where they name a config value's origin.
    setConfigNaming(providerConfigNaming);
  }

  /** Maps the provider config onto the settings the core reads (see src/plugin/config.ts). */
  configure(args: Properties, variables: ReadonlyMap<string, string>): void {
    setStackConfig(stackConfigOf(unwrapSecrets(args).values, variables));
  }

  async check(
    type: string,
    olds: Properties,
    news: Properties,
  ): Promise<{ inputs: Properties; failures: pulumi.dynamic.CheckFailure[] }> {
    const definition = resource(type);
    const secrets = new Set<string>();
    const given = plain(news, secrets);
    const previous = plain(olds, new Set());
    const result = await run(() => definition.provider.check?.(previous, given) ?? { inputs: given });
    return {
      inputs: wrapSecrets(result.inputs ?? given, secretsOf(definition, secrets)),
      failures: result.failures ?? [],
    };
  }

  async diff(type: string, id: string, olds: Properties, news: Properties): Promise<DiffResult> {
    const definition = resource(type);
    const before = plain(olds, new Set());
    const after = plain(news, new Set());
    const { provider } = definition;
    // The core decides (and writes the rotation's reason line); the details say what it saw.
    const decision = await run(() => provider.diff?.(id, before, after) ?? { changes: false });
    const detail = await run(() => provider.details.describeDiff(id, before, after));
    const replaces = decision.replaces ?? [];
    const detailedDiff: Record<string, PropertyDiff> = {};
    for (const key of detail.changed) {
      const replacing = replaces.includes(key);
      const unknown = after[key] === UNKNOWN_VALUE;
      const kind =
        !unknown && !hasValue(after, key)
          ? replacing
            ? DiffKind.DELETE_REPLACE
            : DiffKind.DELETE
          : !hasValue(before, key)
            ? replacing
              ? DiffKind.ADD_REPLACE
              : DiffKind.ADD
            : replacing
              ? DiffKind.UPDATE_REPLACE
              : DiffKind.UPDATE;
      detailedDiff[key] = { kind, inputDiff: true };
    }
    for (const key of replaces) detailedDiff[key] ??= { kind: DiffKind.UPDATE_REPLACE, inputDiff: true };
    if (detail.rotation !== undefined) {
      for (const key of definition.rotatedOutputs)
        detailedDiff[key] ??= { kind: DiffKind.UPDATE, inputDiff: false };
    }
    return { changes: decision.changes === true, replaces, diffs: Object.keys(detailedDiff), detailedDiff };
  }

  async create(type: string, news: Properties): Promise<{ id: string; outs: Properties }> {
    const definition = resource(type);
    const secrets = new Set<string>();
    const inputs = plain(news, secrets);
    const result = await run(() => definition.provider.create(inputs));
    return {
      id: result.id,
      outs: wrapSecrets(presented(definition, result.outs), secretsOf(definition, secrets)),
    };
  }

  /**
   * Refresh (stored outputs given) or import (no state: `id` is the import id). Undefined when the
   * credential is gone (the engine then drops the resource) or, on import, does not exist.
   */
  async read(
    type: string,
    id: string,
    props: Properties,
    inputs: Properties,
  ): Promise<{ id: string; props: Properties; inputs: Properties } | undefined> {
    const definition = resource(type);
    const secrets = new Set<string>();
    const stored = plain(props, secrets);
    const storedInputs = plain(inputs, secrets);
    const secret = secretsOf(definition, secrets);
    if (Object.keys(stored).length === 0) {
      const imported = await run(() => importCredential(definition, id));
      if (imported === undefined) return undefined;
      return {
        id: imported.id,
        props: wrapSecrets(presented(definition, imported.outputs), secret),
        inputs: wrapSecrets(imported.inputs, secret),
      };
    }
    const result = await run(() => definition.provider.read?.(id, stored) ?? { id, props: stored });
    if (!result.id) return undefined;
    return {
      id: result.id,
      props: wrapSecrets(presented(definition, result.props), secret),
      inputs: wrapSecrets(result.inputs ?? storedInputs, secret),
    };
  }

  /**
   * A preview of Create, calling no API: the inputs as given, and every other output unknown (the
   * engine's preview of a new resource, which `pulumi preview` and the CLI's `pulumi up` run first).
   */
  previewCreate(type: string, news: Properties): { outs: Properties } {
    const definition = resource(type);
    const inputs = withoutEngineKeys(news);
    const outs: Properties = { ...inputs };
    for (const key of definition.outputs) if (!Object.hasOwn(inputs, key)) outs[key] = UNKNOWN_VALUE;
    return { outs };
  }

  /**
   * A preview of Update, calling no API: the stored outputs with the new inputs, and the outputs a
   * due rotation replaces unknown, so that whatever consumes them previews as changing too.
   */
  async previewUpdate(
    type: string,
    id: string,
    olds: Properties,
    news: Properties,
  ): Promise<{ outs: Properties }> {
    const definition = resource(type);
    const before = plain(olds, new Set());
    const after = plain(news, new Set());
    const detail = await run(() => definition.provider.details.describeDiff(id, before, after));
    const outs: Properties = { ...olds, ...news };
    if (detail.rotation !== undefined) {
      for (const key of definition.rotatedOutputs) outs[key] = UNKNOWN_VALUE;
    }
    return { outs };
  }

  async update(type: string, id: string, olds: Properties, news: Properties): Promise<{ outs: Properties }> {
    const definition = resource(type);
    const secrets = new Set<string>();
    const before = plain(olds, secrets);
    const inputs = plain(news, secrets);
    const result = await run(() => definition.provider.update?.(id, before, inputs) ?? { outs: inputs });
    return { outs: wrapSecrets(presented(definition, result.outs), secretsOf(definition, secrets)) };
  }

  async delete(type: string, id: string, props: Properties): Promise<void> {
    const definition = resource(type);
    const stored = plain(props, new Set());
    await run(() => definition.provider.delete?.(id, stored));
  }
}

/** Every output, defaults and `rotatesAt` included: the plugin's SDKs show what they are given. */
function presented(definition: PluginResource, outputs: Properties | undefined): Properties {
  return outputs === undefined ? {} : presentedForm(definition.storedForm, outputs);
}
