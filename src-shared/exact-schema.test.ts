import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { schemaFor } from './exact-schema';

interface Point {
  readonly x: number;
  readonly label?: string;
  readonly tags: readonly string[];
}

describe('schemaFor', () => {
  it('accepts a schema whose output is exactly the declared type, and returns it unchanged', () => {
    const schema = z.object({ x: z.number(), label: z.string().optional(), tags: z.array(z.string()) });
    expect(schemaFor<Point>()(schema)).toBe(schema);
  });

  // The @ts-expect-error lines are the test: `npm test` type-checks this file, and an unused expectation fails it.
  it('refuses, at compile time, a schema with a field more, a field less, or a field loosened', () => {
    const extra = z.object({ x: z.number(), label: z.string().optional(), tags: z.array(z.string()), y: z.number() });
    // @ts-expect-error a field the type does not declare
    expect(schemaFor<Point>()(extra)).toBe(extra);
    const missing = z.object({ x: z.number(), tags: z.array(z.string()) });
    // @ts-expect-error a declared field missing
    expect(schemaFor<Point>()(missing)).toBe(missing);
    const nullable = z.object({ x: z.number().nullable(), label: z.string().optional(), tags: z.array(z.string()) });
    // @ts-expect-error a required field made nullable
    expect(schemaFor<Point>()(nullable)).toBe(nullable);
    const required = z.object({ x: z.number(), label: z.string(), tags: z.array(z.string()) });
    // @ts-expect-error an optional field made required
    expect(schemaFor<Point>()(required)).toBe(required);
    const element = z.object({ x: z.number(), label: z.string().optional(), tags: z.array(z.number()) });
    // @ts-expect-error an array element of another type
    expect(schemaFor<Point>()(element)).toBe(element);
  });
});
