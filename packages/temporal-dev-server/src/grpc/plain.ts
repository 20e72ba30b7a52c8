/*
 * The Temporal API's message types (`temporal.api.*` of @temporalio/proto) as this server holds
 * them: requests are decoded into plain objects with 64-bit integers as numbers (see
 * serviceDefinition.ts), and the state built from them is saved and loaded as such.
 */
import type Long from 'long';

/**
 * A message of the Temporal API as decoded here (protobufjs `toObject`, int64 as numbers): unset
 * fields are absent (never null), 64-bit integers are numbers and enums their numbers, as the
 * proto's enums declare them. `Plain<temporal.api.command.v1.ICommand>`, say.
 */
export type Plain<T> = T extends Long
  ? number
  : T extends Uint8Array
  ? Uint8Array
  : T extends ReadonlyArray<infer Item>
  ? Array<Plain<Item>>
  : T extends object
  ? PlainFields<T>
  : T;

/** A message's fields, each optional; a map's entries (an index signature) are all there. */
type PlainFields<T> = {
  [K in keyof T as string extends K ? never : K]?: Plain<NonNullable<T[K]>>;
} & {
  [K in keyof T as string extends K ? K : never]: Plain<NonNullable<T[K]>>;
};
