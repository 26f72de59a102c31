import type { AppliedRecordInput } from '../applied/appliedRecord.js';

/** An envelope-shaped value (not really signed: parseAppliedRecord checks the shape only). */
export function envelopeOf(id: string, overrides: Record<string, unknown> = {}) {
  return {
    v: 1,
    id,
    stream: 'account-1',
    type: 'Deposited',
    data: { amount: 5 },
    origin: 'us',
    hlc: { wall: 1_700_000_000_000, logical: 0 },
    parents: [],
    meta: {},
    sig: 'x'.repeat(86),
    ...overrides,
  };
}

/** The applied-feed record of `envelope` in region `region` (as the mirror publishes it). */
export function feedRecordOf(
  envelope: Record<string, unknown>,
  {
    offset = '0',
    seq = '1',
    region = 'eu',
  }: { offset?: string; seq?: string; region?: string } = {},
): AppliedRecordInput {
  return {
    topic: `concord.applied.${region}`,
    partition: 0,
    offset,
    key: Buffer.from(String(envelope['stream'])),
    value: Buffer.from(JSON.stringify(envelope)),
    headers: {
      'concord-applied-seq': Buffer.from(seq),
      'concord-region': Buffer.from(region),
      id: Buffer.from(String(envelope['id'])),
      origin: Buffer.from(String(envelope['origin'])),
      type: Buffer.from(String(envelope['type'])),
      stream: Buffer.from(String(envelope['stream'])),
    },
  };
}
