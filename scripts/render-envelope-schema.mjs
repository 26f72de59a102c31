// Writes docs/envelope.schema.json from the zod schema of packages/core (run after
// `pnpm build`); test/contract/asyncapi.unit.spec.ts fails while the file is out of date.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { envelopeJsonSchema } from '@concord/core';

const target = resolve(import.meta.dirname, '../docs/envelope.schema.json');
writeFileSync(target, JSON.stringify(envelopeJsonSchema(), null, 2) + '\n');
console.log(`wrote ${target}`);
