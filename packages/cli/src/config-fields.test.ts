import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configFields } from './config-fields.js';
import { runBct as bct } from './testing/run-bct.js';

describe('configFields', () => {
  it('lists type first, then each field with its type, default and limits', () => {
    const schema = z.strictObject({
      scale: z.number().positive().default(64),
      margin: z.number().min(0).max(1.5).default(0.5),
      count: z.number().int().min(1),
      mode: z.enum(['exact', 'fast']).default('exact'),
      path: z.string().min(1).optional(),
      sizes: z.array(z.number()).min(1),
      type: z.literal('demo'),
    });
    expect(configFields(schema)).toEqual([
      { name: 'type', type: '"demo"', required: true },
      { name: 'scale', type: 'number', required: false, default: 64, constraint: '> 0' },
      { name: 'margin', type: 'number', required: false, default: 0.5, constraint: '0 to 1.5' },
      { name: 'count', type: 'integer', required: true, constraint: '>= 1' },
      { name: 'mode', type: '"exact" | "fast"', required: false, default: 'exact' },
      { name: 'path', type: 'string', required: false, constraint: 'not empty' },
      { name: 'sizes', type: 'number[]', required: true, constraint: 'at least 1' },
    ]);
  });

  it('is what bct list --json reports for a registered head', async () => {
    const { stdout } = await bct('list', 'heads', '--json');
    const arcface = (JSON.parse(stdout) as { id: string; fields: unknown[] }[]).find(
      (head) => head.id === 'arcface',
    );
    expect(arcface?.fields).toContainEqual({
      name: 'margin',
      type: 'number',
      required: false,
      default: 0.5,
      constraint: '0 to 1.5708',
    });
  });
});
