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
 * - Results never carry undefined values: a vendor removes an output by setting it to undefined.
 *
 * @module
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { Vendor } from "../errors.ts";
import { type CheckFailure, hasUnknowns, toFailures, userInputs } from "./check.ts";
import { now } from "./clock.ts";
import { isDue, type RotationReason, rotatesAt } from "./rotation.ts";
import { setStackConfig } from "./settings.ts";

/** What every vendor's state must carry: when the current credential stops working. */
export interface TokenState {
  /** RFC 3339. */
  expiresAt: string;
}

/** The stored outputs: inputs (minus transient ones), vendor state and `rotatesAt`. */
export type StoredToken<Inputs, State> = Inputs & State & { rotatesAt: string };

/** What `inspect` found at the API. */
export type Inspection<State> = "gone" | State;

/** A vendor's token resource, in terms of its API. */
export interface TokenSpec<
  Inputs extends { rotationTrigger?: string | undefined },
  State extends TokenState,
> {
  vendor: Vendor;
  /** Zod object schema of the inputs. Built on first use, never at module load. */
  inputSchema(): z.ZodType<Inputs> & { shape: Record<string, unknown> };
  /**
   * Fills inputs from settings (stack config, environment, defaults) so that they are stored and
   * compared like inputs, e.g. the resolved endpoint a token lives at. Must be idempotent.
   */
  resolveInputs?(inputs: Inputs): Inputs;
  /**
   * Failures that depend on more than the inputs: a missing credential, an unusable config value, or
   * the stored outputs `olds` (empty on create).
   */
  checkEnvironment?(inputs: Inputs, olds: Record<string, unknown>): CheckFailure[];
  /** The stable Pulumi id; must not change across rotations. */
  id(inputs: Inputs): string;
  /** Inputs whose change replaces the resource (create-before-delete). */
  replaceOn: readonly (keyof Inputs & string)[];
  /** Inputs used only by `create` and not stored (e.g. a token to adopt). */
  transientInputs?: readonly (keyof Inputs & string)[];
  /** The rotate-before window for these inputs, in milliseconds. */
  rotateBeforeMs(inputs: Inputs): number;
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

type Bag = Record<string, unknown>;

/** Builds the Pulumi dynamic provider for a token spec. */
export function createTokenProvider<
  Inputs extends { rotationTrigger?: string | undefined },
  State extends TokenState,
>(spec: TokenSpec<Inputs, State>): pulumi.dynamic.ResourceProvider {
  const transient = new Set<string>(spec.transientInputs ?? []);
  // diff runs for every resource on every `pulumi up`: build the schema once per provider process.
  let schema: ReturnType<typeof spec.inputSchema> | undefined;
  const inputSchema = () => (schema ??= spec.inputSchema());
  const resolve = (inputs: Inputs): Inputs => spec.resolveInputs?.(inputs) ?? inputs;
  const parse = (news: Bag): Inputs => resolve(inputSchema().parse(userInputs(news)));
  let storedInputKeys: string[] | undefined;
  const inputKeys = (): string[] =>
    (storedInputKeys ??= Object.keys(inputSchema().shape).filter((key) => !transient.has(key)));
  const stored = (olds: Bag) => olds as unknown as StoredToken<Inputs, State>;

  const outputsOf = (inputs: Inputs, state: State): Bag => {
    const kept = Object.fromEntries(Object.entries(inputs).filter(([key]) => !transient.has(key)));
    const expiresAt = new Date(state.expiresAt);
    return defined({
      ...kept,
      ...state,
      rotatesAt: rotatesAt(expiresAt, spec.rotateBeforeMs(inputs)).toISOString(),
    });
  };

  const rotationReason = (olds: Bag, inputs: Inputs): RotationReason | undefined => {
    if (!same(olds.rotationTrigger, inputs.rotationTrigger)) return "trigger-changed";
    const expiresAt = typeof olds.expiresAt === "string" ? new Date(olds.expiresAt) : new Date(Number.NaN);
    const at = Number.isNaN(expiresAt.getTime())
      ? undefined
      : rotatesAt(expiresAt, spec.rotateBeforeMs(inputs));
    return isDue(at?.toISOString(), now()) ? "due" : undefined;
  };

  return {
    async configure(request: pulumi.dynamic.ConfigureRequest) {
      setStackConfig(request.config);
    },

    async check(olds: Bag, news: Bag) {
      if (hasUnknowns(news)) return { inputs: news };
      const parsed = inputSchema().safeParse(userInputs(news));
      if (!parsed.success) return { inputs: news, failures: toFailures(parsed.error) };
      const inputs = resolve(parsed.data);
      const failures = spec.checkEnvironment?.(inputs, olds) ?? [];
      return failures.length > 0 ? { inputs: news, failures } : { inputs: inputs as Bag };
    },

    async diff(_id: string, olds: Bag, news: Bag) {
      if (hasUnknowns(news)) return { changes: true };
      const inputs = parse(news);
      const replaces = spec.replaceOn.filter((key) => !same(olds[key], inputs[key]));
      if (replaces.length > 0) return { changes: true, replaces, deleteBeforeReplace: false };
      const changed = inputKeys().some((key) => !same(olds[key], (inputs as Bag)[key]));
      return { changes: changed || rotationReason(olds, inputs) !== undefined };
    },

    async create(news: Bag) {
      const inputs = parse(news);
      const state = await spec.issue(inputs);
      return { id: spec.id(inputs), outs: outputsOf(inputs, state) };
    },

    async update(_id: string, olds: Bag, news: Bag) {
      const inputs = parse(news);
      const reason = rotationReason(olds, inputs);
      if (reason !== undefined) {
        const state = await spec.rotate(inputs, stored(olds), reason);
        return { outs: outputsOf(inputs, state) };
      }
      const state = Object.fromEntries(
        Object.entries(olds).filter(([key]) => key !== "__provider" && !inputKeys().includes(key)),
      ) as unknown as State;
      return { outs: outputsOf(inputs, state) };
    },

    async read(id: string, props: Bag) {
      if (typeof props.expiresAt !== "string") return { id, props };
      const inspection = await spec.inspect(stored(props));
      if (inspection === "gone") return {};
      const kept = Object.fromEntries(Object.entries(props).filter(([key]) => key !== "__provider"));
      const merged = { ...kept, ...inspection } as Bag;
      const expiresAt = new Date(String(merged.expiresAt));
      const window = spec.rotateBeforeMs(merged as Inputs);
      return { id, props: defined({ ...merged, rotatesAt: rotatesAt(expiresAt, window).toISOString() }) };
    },

    async delete(_id: string, props: Bag) {
      await spec.revoke(stored(props));
    },
  };
}

// The dynamic provider host turns results into protobuf Structs, which reject undefined
// ("Unexpected struct type"); an undefined value in vendor state is how a field is removed.
function defined(bag: Bag): Bag {
  return Object.fromEntries(Object.entries(bag).filter(([, value]) => value !== undefined));
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}
