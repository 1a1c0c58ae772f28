/**
 * A property bag: resource inputs or outputs as the engine hands them over (plain JSON-like values by name).
 *
 * @module
 */

/** Inputs or outputs by property name. */
export type Properties = Record<string, unknown>;
