import { z } from 'zod';

/** One field of a component's config, as `bct list --json` and the docs reference show it. */
export interface ConfigField {
  readonly name: string;
  /** `number`, `integer`, `string`, `boolean`, `array`, `object`, or the allowed literals. */
  readonly type: string;
  readonly required: boolean;
  /** The default when the field is left out (absent when there is none). */
  readonly default?: unknown;
  /** Range or length limits, e.g. `> 0`, `0 to 1`, `at least 1 character`. */
  readonly constraint?: string;
}

interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  minItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

const LARGEST_SAFE = Number.MAX_SAFE_INTEGER;

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum !== undefined)
    return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (schema.anyOf !== undefined) return schema.anyOf.map(typeOf).join(' | ');
  if (schema.type === 'array' && schema.items !== undefined) return `${typeOf(schema.items)}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  return schema.type ?? 'any';
}

function constraintOf(schema: JsonSchema): string | undefined {
  const low =
    schema.exclusiveMinimum !== undefined
      ? { value: schema.exclusiveMinimum, open: true }
      : schema.minimum !== undefined
        ? { value: schema.minimum, open: false }
        : undefined;
  const high =
    schema.exclusiveMaximum !== undefined
      ? { value: schema.exclusiveMaximum, open: true }
      : schema.maximum !== undefined && schema.maximum < LARGEST_SAFE
        ? { value: schema.maximum, open: false }
        : undefined;
  const show = (value: number) => String(Number(value.toPrecision(6)));
  if (low !== undefined && high !== undefined)
    return `${low.open ? '> ' : ''}${show(low.value)} to ${show(high.value)}${high.open ? ' (exclusive)' : ''}`;
  if (low !== undefined) return `${low.open ? '>' : '>='} ${show(low.value)}`;
  if (high !== undefined) return `${high.open ? '<' : '<='} ${show(high.value)}`;
  if (schema.minLength !== undefined && schema.minLength > 0) return 'not empty';
  if (schema.minItems !== undefined && schema.minItems > 0) return `at least ${schema.minItems}`;
  return undefined;
}

/**
 * The fields of a component's config schema (its input side: what a user may write), in
 * declaration order, `type` first.
 */
export function configFields(schema: z.ZodType): ConfigField[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(json.required ?? []);
  const entries = Object.entries(json.properties ?? {}).sort(
    ([a], [b]) => Number(b === 'type') - Number(a === 'type'),
  );
  return entries.map(([name, field]) => {
    const constraint = constraintOf(field);
    return {
      name,
      type: typeOf(field),
      required: required.has(name),
      ...(field.default === undefined ? {} : { default: field.default }),
      ...(constraint === undefined ? {} : { constraint }),
    };
  });
}
