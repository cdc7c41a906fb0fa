import type { z } from 'zod';

/**
 * Compile-time agreement between a zod schema and the type it validates, where the type is declared elsewhere
 * (the engine's records, the API's result shapes): the schema cannot gain, lose or loosen a field unnoticed.
 */

/** Readonly all the way down: zod outputs mutable objects and arrays, the declared types are readonly. */
type DeepReadonly<T> = T extends (infer E)[]
  ? ReadonlyArray<DeepReadonly<E>>
  : T extends ReadonlyArray<infer E>
    ? ReadonlyArray<DeepReadonly<E>>
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** True only for identical types (optional vs required and `| null` count; readonly does not). */
export type SameShape<A, B> =
  (<X>() => X extends DeepReadonly<A> ? 1 : 2) extends <X>() => X extends DeepReadonly<B> ? 1 : 2 ? true : false;

/** What the compiler names when a schema and its type differ. */
export interface SchemaDiffersFrom<T> {
  readonly 'the schema output differs from': T;
}

/**
 * `schemaFor<T>()(z.object({...}))` returns the schema unchanged and compiles only when the schema's output
 * is exactly T. (Curried so T is given and the schema's own type is inferred.)
 */
export function schemaFor<T>() {
  return <S extends z.ZodType>(schema: S & (SameShape<z.output<S>, T> extends true ? unknown : SchemaDiffersFrom<T>)): S => schema;
}

/** `type Check = Assert<SameShape<A, B>>` compiles only when A and B agree (for types that are not schemas). */
export type Assert<Check extends true> = Check;
