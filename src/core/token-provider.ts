/**
 * The generic dynamic provider behind every token resource.
 *
 * A vendor supplies a {@link TokenSpec}: its input schema, its stable id, which inputs replace the
 * resource, and four API operations (issue, rotate, inspect, revoke). This module turns that into
 * Pulumi's check / diff / create / update / read / delete with the rotation model of design.md:
 *
 * - `diff` never calls an API. It reports a change when an input changed or the clock reached
 *   `rotatesAt`; identity inputs (`replaceOn`) force a create-before-delete replacement.
 * - `update` rotates when due or when `rotationTrigger` changed; otherwise it only rewrites the
 *   stored outputs (e.g. a new `rotateBefore…` window) without any API call.
 * - `read` asks the vendor what is live. "gone" drops the resource so that `up --refresh` creates
 *   it again in the same run.
 * - Results never carry undefined values (the host's protobuf Structs reject them): a vendor removes an
 *   output by setting it to undefined. They are compact (core/stored-form.ts): no defaults, no `rotatesAt`.
 *
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { Properties } from "./properties.ts";
import { InvalidStateError, type Vendor } from "../errors.ts";
import {
  type CheckFailure,
  hasUnknowns,
  toFailures,
  UNKNOWN_VALUE,
  unknownInputFailures,
  userInputs,
  withoutProperties,
} from "./check.ts";
import { now } from "./clock.ts";
import { once } from "./once.ts";
import { explainRotation, type RotationWording } from "./rotation-notice.ts";
import { isDue, type RotationReason, rotatesAt } from "./rotation.ts";
import { setStackConfig } from "./settings.ts";
import { compactForm, presentedForm, type StoredForm } from "./stored-form.ts";

/** What every vendor's state must carry: when the current credential stops working. */
export interface TokenState {
  /** RFC 3339. */
  expiresAt: string;
}

/** The stored outputs as the vendor reads them: inputs (minus transient ones), vendor state and `rotatesAt`. */
export type StoredToken<Inputs, State> = Inputs & State & { rotatesAt: string };

/** What `inspect` found at the API. */
export type Inspection<State> = "gone" | State;

/** A vendor's token resource, in terms of its API. */
export interface TokenSpec<
  Inputs extends Properties & { rotationTrigger?: string | undefined },
  State extends Properties & TokenState,
> {
  vendor: Vendor;
  /** Zod object schema of the inputs. Built on first use, never at module load. */
  inputSchema(): z.ZodType<Inputs> & { shape: Record<string, unknown> };
  /**
   * Zod schema of the stored outputs (inputs, vendor state, `rotatesAt`) that `update`, `read` and
   * `delete` rely on. Tolerant of state written by older versions (defaults for fields they lack,
   * unknown keys kept); a failure stops the operation with {@link InvalidStateError} before any call.
   */
  storedSchema(): z.ZodType<StoredToken<Inputs, State>>;
  /**
   * Fills inputs from settings (stack config, environment, defaults) so that they are stored and
   * compared like inputs, e.g. the resolved endpoint a token lives at. Must be idempotent.
   */
  resolveInputs?(inputs: Inputs): Inputs;
  /**
   * Inputs that `resolveInputs` fills. State written before a version stored them lacks them: that
   * absence is not a change (an upgrade must not replace or update anything).
   */
  resolvedInputs?: readonly (keyof Inputs & string)[];
  /**
   * Inputs a program may omit, whose value `issue` finds at the API (and returns in its state). Once
   * stored, an omitted one compares (and is passed to `update` and `rotate`) as its stored value, so
   * finding it neither changes nor replaces anything and a rotation uses what was found.
   */
  discoveredInputs?: readonly (keyof Inputs & string)[];
  /**
   * Failures that depend on more than the inputs: a missing credential, an unusable config value, or
   * the stored outputs `olds` (empty on create). Gets the inputs as given (before `resolveInputs`),
   * so it can tell a value from an input from one found in config or the environment.
   */
  checkEnvironment?(inputs: Inputs, olds: Record<string, unknown>): CheckFailure[];
  /** The stable Pulumi id; must not change across rotations. */
  id(inputs: Inputs): string;
  /** Inputs whose change replaces the resource (create-before-delete). */
  replaceOn: readonly (keyof Inputs & string)[];
  /** Inputs used only by `create` and not stored (e.g. a token to adopt). */
  transientInputs?: readonly (keyof Inputs & string)[];
  /**
   * What is left out of the stored inputs and outputs (defaults, `rotatesAt`) and the rotate-before
   * window; the provider puts them back before it reads stored outputs (core/stored-form.ts).
   */
  storedForm: StoredForm;
  /**
   * The kind's own words for a rotation `diff` decided, from the stored outputs (core/rotation-notice.ts): a
   * cause that replaces the generic reason, a note appended to it. Undefined: the generic line.
   */
  rotationWording?(stored: Properties, now: Date): RotationWording | undefined;
  /** Issues (or adopts) a credential. Must be transactional: on failure nothing is left behind. */
  issue(inputs: Inputs): Promise<State>;
  /** Replaces the stored credential with a new one. */
  rotate(inputs: Inputs, stored: StoredToken<Inputs, State>, reason: RotationReason): Promise<State>;
  /**
   * Looks at the live credential. Returns updated state, or "gone" when nothing is left to track.
   * A credential that was revoked but must still be tracked returns state whose `expiresAt` is now.
   */
  inspect(stored: StoredToken<Inputs, State>): Promise<Inspection<State>>;
  /** Revokes everything the stored state tracks; a credential already gone counts as done. */
  revoke(stored: StoredToken<Inputs, State>): Promise<void>;
}

/** What `diff` decides, in detail: for a front door that can show it (the provider plugin, src/plugin). */
export interface TokenDiff {
  /** True when an input is not known yet (a preview of an input that depends on another resource). */
  unknowns: boolean;
  /** Inputs whose change replaces the resource (create-before-delete). */
  replaces: string[];
  /** Stored inputs whose value changed, replacing ones included; with unknowns, the unknown ones too. */
  changed: string[];
  /** Why the update rotates the credential; undefined when it does not (or the resource is replaced). */
  rotation: RotationReason | undefined;
}

/**
 * What a token provider knows beyond the dynamic-provider methods, for the provider plugin
 * (src/plugin). The dynamic-provider host never reads it: the dynamic resources behave as before.
 */
export interface TokenProviderDetails {
  vendor: Vendor;
  /** The spec's input schema (the plugin's package schema is generated from it). */
  inputSchema(): z.ZodType & { shape: Record<string, unknown> };
  /** Inputs whose change replaces the resource. */
  replaceOn: readonly string[];
  /** Inputs used only by `create` and never stored. */
  transientInputs: readonly string[];
  /** The decision `diff` makes for these arguments, in detail; calls no API and writes nothing. */
  describeDiff(id: string, olds: Properties, news: Properties): TokenDiff;
  /**
   * The stored inputs (validated, resolved, as `check` returns them), the resource id and the outputs
   * `create` would store for `state`: how an imported credential is stored like an issued one.
   */
  stateFor(news: Properties, state: Properties): { id: string; inputs: Properties; outputs: Properties };
}

/** The dynamic provider of a token spec, with the {@link TokenProviderDetails} the plugin uses. */
export type TokenProvider = pulumi.dynamic.ResourceProvider & { readonly details: TokenProviderDetails };

/** Builds the Pulumi dynamic provider for a token spec. */
export function createTokenProvider<
  Inputs extends Properties & { rotationTrigger?: string | undefined },
  State extends Properties & TokenState,
>(spec: TokenSpec<Inputs, State>): TokenProvider {
  const rules = tokenRules(spec);
  const { present, parse, compact, stored, outputsOf, inputSchema, decide } = rules;

  const details: TokenProviderDetails = {
    vendor: spec.vendor,
    inputSchema,
    replaceOn: spec.replaceOn,
    transientInputs: [...rules.transient],
    describeDiff: (_id, olds, news) => decide(olds, news).diff,
    stateFor(news: Properties, state: Properties) {
      const inputs = parse(news);
      return { id: spec.id(inputs), inputs: compact(rules.kept(inputs)), outputs: outputsOf(inputs, state) };
    },
  };

  return {
    details,

    async configure(request: pulumi.dynamic.ConfigureRequest) {
      setStackConfig(request.config);
    },

    async check(olds: Properties, news: Properties) {
      if (hasUnknowns(news)) return { inputs: news };
      const given = userInputs(news);
      const unknownKeys = unknownInputFailures(given, Object.keys(inputSchema().shape));
      const parsed = inputSchema().safeParse(given);
      if (!parsed.success || unknownKeys.length > 0) {
        const failures = parsed.success ? [] : toFailures(parsed.error);
        return { inputs: news, failures: withoutProperties([...unknownKeys, ...failures]) };
      }
      const failures = spec.checkEnvironment?.(parsed.data, olds) ?? [];
      if (failures.length > 0) return { inputs: news, failures: withoutProperties(failures) };
      return { inputs: compact(rules.resolve(parsed.data)) };
    },

    async diff(id: string, stored: Properties, given: Properties) {
      const { diff, olds, inputs } = decide(stored, given);
      // With unknown inputs (a preview of inputs that depend on other resources), an identity input not known yet
      // may replace the resource: say so rather than promising an update.
      if (diff.replaces.length > 0)
        return { changes: true, replaces: diff.replaces, deleteBeforeReplace: false };
      if (inputs === undefined) return { changes: true };
      const at = now();
      explainRotation({
        vendor: spec.vendor,
        id,
        olds,
        reason: diff.rotation,
        rotateBeforeMs: spec.storedForm.rotateBeforeMs(inputs),
        now: at,
        wording: diff.rotation === undefined ? undefined : spec.rotationWording?.(olds, at),
      });
      return { changes: diff.changed.length > 0 || diff.rotation !== undefined };
    },

    async create(news: Properties) {
      const inputs = parse(news);
      const state = await spec.issue(inputs);
      return { id: spec.id(inputs), outs: outputsOf(inputs, state) };
    },

    async update(id: string, olds: Properties, news: Properties) {
      const inputs = parse(rules.withDiscovered(present(olds), news));
      const previous = stored(id, olds);
      const reason = rules.rotationReason(previous, inputs);
      if (reason !== undefined) {
        const state = await spec.rotate(inputs, previous, reason);
        return { outs: outputsOf(inputs, state) };
      }
      const keys = rules.inputKeys();
      const state = Object.fromEntries(Object.entries(previous).filter(([key]) => !keys.includes(key)));
      return { outs: outputsOf(inputs, state) };
    },

    async read(id: string, props: Properties) {
      const previous = stored(id, props);
      const inspection = await spec.inspect(previous);
      if (inspection === "gone") return {};
      return { id, props: compact({ ...previous, ...inspection }) };
    },

    async delete(id: string, props: Properties) {
      await spec.revoke(stored(id, props));
    },
  };
}

/**
 * The rules a token spec implies, shared by the provider's methods: how inputs are parsed, resolved and compared,
 * how outputs are stored (compact) and read back (presented), and what `diff` decides.
 */
function tokenRules<
  Inputs extends Properties & { rotationTrigger?: string | undefined },
  State extends Properties & TokenState,
>(spec: TokenSpec<Inputs, State>) {
  const transient = new Set<string>(spec.transientInputs ?? []);
  const resolvedKeys = new Set<string>(spec.resolvedInputs ?? []);
  const discovered: readonly string[] = spec.discoveredInputs ?? [];
  // diff runs for every resource on every `pulumi up`: build the schemas once per provider process.
  const inputSchema = once(() => spec.inputSchema());
  const storedSchema = once(() => spec.storedSchema());
  const inputKeys = once(() => Object.keys(inputSchema().shape).filter((key) => !transient.has(key)));
  const resolve = (inputs: Inputs): Inputs => spec.resolveInputs?.(inputs) ?? inputs;
  const parse = (news: Properties): Inputs => resolve(inputSchema().parse(userInputs(news)));
  const present = (stored: Properties): Properties => presentedForm(spec.storedForm, stored);
  const compact = (full: Properties): Properties => compactForm(spec.storedForm, full);
  const kept = (inputs: Inputs): Properties =>
    Object.fromEntries(Object.entries(inputs).filter(([key]) => !transient.has(key)));

  /** The stored outputs, validated: {@link InvalidStateError} before any call when they are unusable. */
  const stored = (id: string, olds: Properties): StoredToken<Inputs, State> => {
    const parsed = storedSchema().safeParse(present(userInputs(olds)));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join(".") ?? "";
    throw new InvalidStateError(spec.vendor, id, `"${field}" ${issue?.message ?? "is invalid"}`);
  };

  /** The new inputs, with each omitted discovered input set to its stored value. */
  const withDiscovered = (olds: Properties, news: Properties): Properties => {
    if (discovered.length === 0 || hasUnknowns(news)) return news;
    const filled = { ...news };
    for (const key of discovered)
      if (filled[key] === undefined && olds[key] !== undefined && olds[key] !== null) filled[key] = olds[key];
    return filled;
  };

  /** An old value differs from the new one; a resolved input that older state lacks does not. */
  const differs = (olds: Properties, key: string, value: unknown): boolean =>
    !(resolvedKeys.has(key) && !(key in olds)) && !same(olds[key], value);

  /** The outputs to store, compact: no defaults, no `rotatesAt`. */
  const outputsOf = (inputs: Inputs, state: Properties): Properties => compact({ ...kept(inputs), ...state });

  const rotationReason = (olds: Properties, inputs: Inputs): RotationReason | undefined => {
    if (!same(olds.rotationTrigger, inputs.rotationTrigger)) return "trigger-changed";
    const expiresAt = typeof olds.expiresAt === "string" ? new Date(olds.expiresAt) : new Date(Number.NaN);
    const at = Number.isNaN(expiresAt.getTime())
      ? undefined
      : rotatesAt(expiresAt, spec.storedForm.rotateBeforeMs(inputs));
    return isDue(at?.toISOString(), now()) ? "due" : undefined;
  };

  /**
   * What `diff` decides for the stored outputs and the new inputs, without calling anything: the presented
   * olds, the parsed inputs (undefined while some are unknown) and the decision in detail.
   */
  const decide = (stored: Properties, given: Properties) => {
    const olds = present(stored);
    const news = withDiscovered(olds, given);
    if (hasUnknowns(news)) {
      const changes = (key: string) =>
        news[key] === UNKNOWN_VALUE || (news[key] !== undefined && differs(olds, key, news[key]));
      const diff: TokenDiff = {
        unknowns: true,
        replaces: spec.replaceOn.filter(changes),
        changed: inputKeys().filter(changes),
        rotation: undefined,
      };
      return { diff, olds, inputs: undefined };
    }
    const inputs = parse(news);
    const replaces = spec.replaceOn.filter((key) => differs(olds, key, inputs[key]));
    const diff: TokenDiff = {
      unknowns: false,
      replaces,
      changed: inputKeys().filter((key) => differs(olds, key, inputs[key])),
      rotation: replaces.length > 0 ? undefined : rotationReason(olds, inputs),
    };
    return { diff, olds, inputs };
  };

  return {
    transient,
    inputSchema,
    inputKeys,
    resolve,
    parse,
    present,
    compact,
    kept,
    stored,
    withDiscovered,
    outputsOf,
    rotationReason,
    decide,
  };
}

/** Equal values; undefined and null (how the engine may hand back a removed value) are the same. */
function same(a: unknown, b: unknown): boolean {
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  return isDeepStrictEqual(a, b);
}
