import { describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';
import { MAX_MESSAGE_BYTES, peerListenerName, renderServerProperties } from './serverProperties.js';

const config = loadConfig({ env: {}, cwd: '/tmp' });

function parse(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );
}

describe('renderServerProperties', () => {
  const props = parse(renderServerProperties(config, 'us', { dataDir: '/state/kafka/us/data' }));

  it('runs a single-node KRaft broker+controller on the layout ports', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('node.id')).toBe('1');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(props.get('controller.listener.names')).toBe('CONTROLLER');
    expect(props.get('inter.broker.listener.name')).toBe('LOCAL');
    expect(props.get('log.dirs')).toBe('/state/kafka/us/data');
    expect(props.get('num.partitions')).toBe(String(config.kafka.partitions));
    expect(props.get('auto.create.topics.enable')).toBe('false');
  });

  it('opens one PEER listener per reader region that advertises the link proxy of that pair', () => {
    expect(props.get('listeners')).toBe(
      'LOCAL://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093,PEER_EU://127.0.0.1:19021,PEER_AP://127.0.0.1:19022',
    );
    expect(props.get('advertised.listeners')).toBe(
      'LOCAL://127.0.0.1:19092,PEER_EU://127.0.0.1:19901,PEER_AP://127.0.0.1:19902',
    );
    expect(props.get('listener.security.protocol.map')).toBe(
      'LOCAL:PLAINTEXT,CONTROLLER:PLAINTEXT,PEER_EU:PLAINTEXT,PEER_AP:PLAINTEXT',
    );
    for (const link of config.links.filter((l) => l.from === 'us')) {
      expect(props.get('advertised.listeners')).toContain(
        `${peerListenerName(link.to)}://127.0.0.1:${link.proxyPort}`,
      );
      expect(props.get('listeners')).toContain(
        `${peerListenerName(link.to)}://127.0.0.1:${link.upstreamPort}`,
      );
    }
  });

  it('keeps every internal topic at one replica and accepts > 10 MiB records', () => {
    for (const key of [
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
      'transaction.state.log.min.isr',
      'share.coordinator.state.topic.replication.factor',
      'share.coordinator.state.topic.min.isr',
    ]) {
      expect(props.get(key)).toBe('1');
    }
    expect(Number(props.get('message.max.bytes'))).toBe(MAX_MESSAGE_BYTES);
    expect(MAX_MESSAGE_BYTES).toBeGreaterThanOrEqual(11 * 1024 * 1024);
    expect(props.get('replica.fetch.max.bytes')).toBe(props.get('message.max.bytes'));
  });

  it('follows the config: regions, port base, partitions', () => {
    const other = loadConfig({
      env: {
        CONCORD_REGIONS: 'us-east,eu',
        CONCORD_PORT_BASE: '29000',
        CONCORD_KAFKA_PARTITIONS: '2',
      },
      cwd: '/tmp',
    });
    const p = parse(renderServerProperties(other, 'eu', { dataDir: '/d' }));
    expect(p.get('listeners')).toBe(
      'LOCAL://127.0.0.1:29192,CONTROLLER://127.0.0.1:29193,PEER_US_EAST://127.0.0.1:29120',
    );
    expect(p.get('advertised.listeners')).toBe(
      'LOCAL://127.0.0.1:29192,PEER_US_EAST://127.0.0.1:29910',
    );
    expect(p.get('num.partitions')).toBe('2');
  });

  it('secures only the PEER listeners on a secure stack: SASL_SSL, SCRAM, PEM keystore, ACLs', () => {
    const p = parse(
      renderServerProperties(config, 'us', {
        dataDir: '/d',
        security: { keystore: '/state/security/kafka-us.pem' },
      }),
    );
    expect(p.get('listener.security.protocol.map')).toBe(
      'LOCAL:PLAINTEXT,CONTROLLER:PLAINTEXT,PEER_EU:SASL_SSL,PEER_AP:SASL_SSL',
    );
    expect(p.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
    for (const listener of ['peer_eu', 'peer_ap']) {
      expect(p.get(`listener.name.${listener}.scram-sha-512.sasl.jaas.config`)).toBe(
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      );
    }
    expect(p.get('ssl.keystore.type')).toBe('PEM');
    expect(p.get('ssl.keystore.location')).toBe('/state/security/kafka-us.pem');
    expect(p.get('authorizer.class.name')).toBe(
      'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    );
    // In-region clients and the broker itself (LOCAL, CONTROLLER) are ANONYMOUS: super user.
    expect(p.get('super.users')).toBe('User:ANONYMOUS');
    expect(p.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(p.get('inter.broker.listener.name')).toBe('LOCAL');
  });
});
