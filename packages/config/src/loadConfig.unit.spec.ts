import { describe, expect, it } from 'vitest';
import { isConcordError } from '@concord/core';
import { eventSource, kafkaRoute, loadConfig, topics } from './index.js';

const load = (env: Record<string, string>) => loadConfig({ env, cwd: '/tmp' });

function issuesOf(env: Record<string, string>): { field: string; message: string }[] {
  try {
    load(env);
  } catch (error) {
    if (isConcordError(error, 'CONFIG_INVALID')) {
      return (error.details?.issues ?? []) as { field: string; message: string }[];
    }
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('loadConfig', () => {
  it('derives three regions, their ports and six WAN links from defaults', () => {
    const c = load({});
    expect(c.regions).toEqual(['us', 'eu', 'ap']);
    expect(c.byRegion.us?.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(c.byRegion.eu?.writer.port).toBe(19180);
    expect(c.byRegion.ap?.postgres.database).toBe('concord_ap');
    expect(c.byRegion.ap?.redis.keyPrefix).toBe('concord:ap:');
    expect(c.links).toHaveLength(6);
    expect(kafkaRoute(c, 'us', 'eu')).toEqual(['127.0.0.1:19901']);
    expect(c.byRegion.us?.kafka.peerPorts.eu).toBe(19021);
  });

  it('names topics by namespace and resolves event sources for both replication modes', () => {
    const direct = load({ CONCORD_NAMESPACE: 'tx1' });
    expect(topics(direct).events('us')).toBe('tx1.events.us');
    expect(eventSource(direct, 'us', 'eu')).toEqual({
      brokers: ['127.0.0.1:19901'],
      topic: 'tx1.events.us',
    });
    const mm2 = load({ CONCORD_REPLICATION_MODE: 'mm2' });
    expect(eventSource(mm2, 'us', 'eu')).toEqual({
      brokers: ['127.0.0.1:19192'],
      topic: 'us.concord.events.us',
    });
  });

  it('applies per-region overrides and explicit routes', () => {
    const c = load({
      CONCORD_REGIONS: 'us-east,eu',
      CONCORD_US_EAST_KAFKA_BROKERS: 'kafka-a:9092,kafka-b:9092',
      CONCORD_EU_FROM_US_EAST_KAFKA_BROKERS: 'wan-us:9094',
      CONCORD_EU_WRITER_PORT: '8080',
    });
    expect(c.byRegion['us-east']?.kafka).toMatchObject({
      brokers: ['kafka-a:9092', 'kafka-b:9092'],
      managed: false,
    });
    expect(kafkaRoute(c, 'us-east', 'eu')).toEqual(['wan-us:9094']);
    expect(c.byRegion.eu?.writer).toEqual({ port: 8080, url: 'http://127.0.0.1:8080' });
  });

  it('rejects an unknown region with the field named', () => {
    expect(issuesOf({ CONCORD_REGION: 'xx' })).toEqual([
      expect.objectContaining({
        field: 'CONCORD_REGION',
        message: expect.stringContaining('unknown region "xx"'),
      }),
    ]);
    expect(issuesOf({ CONCORD_MARS_WRITER_PORT: '9000' })[0]?.field).toBe(
      'CONCORD_MARS_WRITER_PORT',
    );
  });

  it('rejects a duplicate port with both owners named', () => {
    const issues = issuesOf({ CONCORD_EU_WRITER_PORT: '19080' });
    expect(issues[0]?.field).toBe('CONCORD_EU_WRITER_PORT');
    expect(issues[0]?.message).toContain('CONCORD_US_WRITER_PORT');
  });

  it('rejects malformed values, naming each field', () => {
    const fields = issuesOf({
      CONCORD_PORT_BASE: 'lots',
      CONCORD_INSECURE: 'maybe',
      CONCORD_PG_URL: 'mysql://x',
      CONCORD_REGIONS: 'us,us',
      CONCORD_KAFKA_HEAP_MB: '12',
      CONCORD_WHATEVER: '1',
    }).map((i) => i.field);
    expect(fields.sort()).toEqual(
      [
        'CONCORD_INSECURE',
        'CONCORD_KAFKA_HEAP_MB',
        'CONCORD_PG_URL',
        'CONCORD_PORT_BASE',
        'CONCORD_REGIONS',
        'CONCORD_WHATEVER',
      ].sort(),
    );
  });

  it('puts the error in one line that says what is wrong', () => {
    expect(() => load({ CONCORD_PORT_BASE: 'x' })).toThrow(
      /CONCORD_PORT_BASE: must be an integer \(got "x"\)/,
    );
  });
});
