import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromFile, Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import {
  createSigner,
  envelopeJsonSchema,
  generateRegionKeyPair,
  signEnvelope,
  TestEventFactory,
} from '@concord/core';

/**
 * docs/asyncapi.yaml is a valid AsyncAPI 3 document, and the envelope schema it references is
 * the one generated from the zod schema (`node scripts/render-envelope-schema.mjs` after
 * `pnpm build` rewrites it).
 */
const docs = resolve(import.meta.dirname, '../../docs');

describe('docs/asyncapi.yaml', () => {
  it('docs/envelope.schema.json is generated from the zod schema (one source of truth)', () => {
    const committed = JSON.parse(readFileSync(resolve(docs, 'envelope.schema.json'), 'utf8'));
    expect(committed, 'run `pnpm build && node scripts/render-envelope-schema.mjs`').toEqual(
      envelopeJsonSchema(),
    );
  });

  it('parses as AsyncAPI 3 without errors, with the four topics and the envelope payload', async () => {
    const { document, diagnostics } = await fromFile(
      new Parser(),
      resolve(docs, 'asyncapi.yaml'),
    ).parse();
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    const addresses = document!
      .channels()
      .all()
      .map((c) => c.address());
    expect(addresses.sort()).toEqual([
      '{ns}.applied.{region}',
      '{ns}.dlq.{region}',
      '{ns}.events.{region}',
      '{ns}.repair.{region}',
    ]);
    const applied = document!.channels().get('applied')!.messages().all()[0]!;
    const payload = applied.payload()!.json() as Record<string, unknown>;
    const expected = envelopeJsonSchema();
    expect(payload['required']).toEqual(expected['required']);
    expect(Object.keys(payload['properties'] as object).sort()).toEqual(
      Object.keys(expected['properties'] as object).sort(),
    );
  });

  it('a real envelope satisfies the published schema constraints that JSON Schema can say', () => {
    const factory = new TestEventFactory({ stream: 'account-1', origin: 'us' });
    const event = signEnvelope(
      factory.event({ type: 'Deposited', data: { amount: 5 } }),
      createSigner('us', generateRegionKeyPair().privateKey),
    );
    const schema = envelopeJsonSchema() as {
      required: string[];
      properties: Record<string, { pattern?: string }>;
    };
    for (const field of schema.required) expect(event).toHaveProperty(field);
    for (const [field, rule] of Object.entries(schema.properties)) {
      const value = (event as unknown as Record<string, unknown>)[field];
      if (rule.pattern && typeof value === 'string')
        expect(value).toMatch(new RegExp(rule.pattern));
    }
  });
});
