import { describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';
import { MAX_MESSAGE_BYTES } from '../kafka/serverProperties.js';
import { mirroredTopicsPattern, renderMirrorMakerProperties } from './mirrorMakerProperties.js';

const config = loadConfig({ env: {}, cwd: '/tmp' });

/** Parses properties the way java.util.Properties does for these files (`\\` escapes). */
function parse(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const i = l.indexOf('=');
        return [l.slice(0, i), l.slice(i + 1).replace(/\\(.)/g, '$1')] as [string, string];
      }),
  );
}

describe('renderMirrorMakerProperties', () => {
  const p = parse(renderMirrorMakerProperties(config, 'eu'));

  it('replicates into the target from every other region, through the WAN link proxies', () => {
    expect(p.get('clusters')).toBe('eu,us,ap');
    expect(p.get('eu.bootstrap.servers')).toBe('127.0.0.1:19192');
    expect(p.get('us.bootstrap.servers')).toBe('127.0.0.1:19901'); // link us->eu
    expect(p.get('ap.bootstrap.servers')).toBe('127.0.0.1:19921'); // link ap->eu
    expect(p.get('us->eu.enabled')).toBe('true');
    expect(p.get('ap->eu.enabled')).toBe('true');
    expect(p.get('eu->us.enabled')).toBe('false');
    expect(p.get('us.security.protocol')).toBeUndefined();
  });

  it('copies only each origin’s own events topic, of any namespace, never a copy', () => {
    expect(p.get('us->eu.topics')).toBe(mirroredTopicsPattern('us'));
    const re = new RegExp(`^(?:${mirroredTopicsPattern('us')})$`);
    expect(re.test('concord.events.us')).toBe(true);
    expect(re.test('t0a1b2c3d4.events.us')).toBe(true);
    for (const name of [
      'concord.repair.us',
      'concord.applied.us',
      'concord.events.eu',
      'ap.concord.events.us', // a copy held by us's cluster: never replicated again
      'concord.events.us-east',
      'heartbeats',
      'mm2-offsets.eu.internal',
    ]) {
      expect(re.test(name), name).toBe(false);
    }
  });

  it('switches off heartbeats, checkpoints and offset syncs; one replica; large records', () => {
    expect(p.get('emit.heartbeats.enabled')).toBe('false');
    expect(p.get('emit.checkpoints.enabled')).toBe('false');
    expect(p.get('emit.offset-syncs.enabled')).toBe('false');
    expect(p.get('sync.group.offsets.enabled')).toBe('false');
    expect(p.get('sync.topic.acls.enabled')).toBe('false');
    expect(p.get('replication.factor')).toBe('1');
    expect(p.get('offset.storage.partitions')).toBe('1');
    expect(Number(p.get('eu.producer.max.request.size'))).toBe(MAX_MESSAGE_BYTES);
  });

  it('trusts the jars’ plugin manifests and never re-bootstraps a cluster in a tight loop', () => {
    expect(p.get('eu.plugin.discovery')).toBe('service_load');
    for (const cluster of ['eu', 'us', 'ap']) {
      expect(p.get(`${cluster}.metadata.recovery.strategy`)).toBe('none');
      expect(p.get(`${cluster}.admin.metadata.recovery.strategy`)).toBe('none');
    }
  });

  it('authenticates to every source with SASL_SSL as the target region on a secure stack', () => {
    const s = parse(
      renderMirrorMakerProperties(config, 'ap', {
        caFile: '/state/security/ca.crt',
        username: 'region-ap',
        password: 'pw-123',
      }),
    );
    for (const origin of ['us', 'eu']) {
      expect(s.get(`${origin}.security.protocol`)).toBe('SASL_SSL');
      expect(s.get(`${origin}.sasl.mechanism`)).toBe('SCRAM-SHA-512');
      expect(s.get(`${origin}.sasl.jaas.config`)).toBe(
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="region-ap" password="pw-123";',
      );
      expect(s.get(`${origin}.ssl.truststore.location`)).toBe('/state/security/ca.crt');
      expect(s.get(`${origin}.ssl.endpoint.identification.algorithm`)).toBe('https');
    }
    expect(s.get('ap.security.protocol')).toBeUndefined(); // the target is local
  });

  it('follows explicit routes (a production WAN address)', () => {
    const routed = loadConfig({
      env: { CONCORD_EU_FROM_US_KAFKA_BROKERS: 'us-wan.example:9094' },
      cwd: '/tmp',
    });
    expect(parse(renderMirrorMakerProperties(routed, 'eu')).get('us.bootstrap.servers')).toBe(
      'us-wan.example:9094',
    );
  });
});
