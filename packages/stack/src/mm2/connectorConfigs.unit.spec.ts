import { describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';
import { renderMirrorMakerProperties } from './mirrorMakerProperties.js';
import { connectorConfigTopic, sourcesWithNewConnection } from './connectorConfigs.js';

const config = loadConfig({ env: {}, cwd: '/tmp' });
const security = (password: string) => ({
  caFile: '/state/security/ca.crt',
  username: 'region-eu',
  password,
});

describe('sourcesWithNewConnection', () => {
  const plaintext = renderMirrorMakerProperties(config, 'eu');
  const secure = renderMirrorMakerProperties(config, 'eu', security('pw-1'));

  it('is empty when MirrorMaker starts again with the same properties', () => {
    expect(sourcesWithNewConnection(plaintext, plaintext, ['us', 'ap'])).toEqual([]);
    expect(sourcesWithNewConnection(secure, secure, ['us', 'ap'])).toEqual([]);
  });

  it('names every source when the stack turns secure, or back to plaintext', () => {
    expect(sourcesWithNewConnection(plaintext, secure, ['us', 'ap'])).toEqual(['us', 'ap']);
    expect(sourcesWithNewConnection(secure, plaintext, ['us', 'ap'])).toEqual(['us', 'ap']);
  });

  it('names a source whose password or address changed, and only that one', () => {
    expect(
      sourcesWithNewConnection(
        secure,
        renderMirrorMakerProperties(config, 'eu', security('pw-2')),
        ['us', 'ap'],
      ),
    ).toEqual(['us', 'ap']); // one SCRAM user reads every source
    const routed = loadConfig({
      env: { CONCORD_EU_FROM_US_KAFKA_BROKERS: 'us-wan.example:9094' },
      cwd: '/tmp',
    });
    expect(
      sourcesWithNewConnection(plaintext, renderMirrorMakerProperties(routed, 'eu'), ['us', 'ap']),
    ).toEqual(['us']);
  });

  it('ignores settings that are not a source connection (the target, flows, comments)', () => {
    const other = plaintext
      .replace('eu.producer.linger.ms=0', 'eu.producer.linger.ms=5')
      .replace('refresh.topics.interval.seconds=5', 'refresh.topics.interval.seconds=10')
      .replace('# Generated', '# Written');
    expect(other).not.toBe(plaintext);
    expect(sourcesWithNewConnection(plaintext, other, ['us', 'ap'])).toEqual([]);
  });

  it('names Connect’s config topic of a flow after its source', () => {
    expect(connectorConfigTopic('us')).toBe('mm2-configs.us.internal');
  });
});
