import { z } from 'zod';
import { formatPath } from '@hazwatch/protocols';

/**
 * A zod schema as the JSON Schema Fastify serialises a response with (fast-json-stringify drops any
 * property the schema does not name, so a response can never leak internal fields).
 */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export const ApiError = z.strictObject({
  error: z.string(),
  message: z.string(),
  problems: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

export function badRequest(error: z.ZodError, what: string): ApiError {
  return {
    error: 'bad-request',
    message: `invalid ${what}`,
    problems: error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
  };
}
