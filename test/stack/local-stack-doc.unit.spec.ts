import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';

/** docs/local-stack.md's port layout table must say what the config module computes. */
const root = resolve(import.meta.dirname, '../..');
const doc = readFileSync(resolve(root, 'docs/local-stack.md'), 'utf8');
const config = loadConfig({ env: {}, cwd: root });

function row(label: string): string {
  const line = doc.split('\n').find((l) => l.startsWith(`| ${label}`));
  if (!line) throw new Error(`no row "${label}" in docs/local-stack.md`);
  return line;
}

describe('docs/local-stack.md port layout', () => {
  it('lists every region port of the default layout', () => {
    for (const r of config.regions) {
      const rc = config.byRegion[r]!;
      expect(row('Kafka, LOCAL listener')).toContain(` ${rc.kafka.port} `);
      expect(row('Kafka, KRaft CONTROLLER')).toContain(` ${rc.kafka.controllerPort} `);
      expect(row('writer HTTP')).toContain(` ${rc.writer.port} `);
      expect(row('reconciler HTTP')).toContain(` ${rc.reconciler.port} `);
      expect(row('mirror HTTP')).toContain(` ${rc.mirror.port} `);
      expect(row('private redis-server')).toContain(` ${rc.redis.privatePort} `);
    }
  });

  it('lists every link proxy and peer listener', () => {
    for (const l of config.links) {
      expect(row('link proxy origin')).toContain(`→${l.to} ${l.proxyPort}`);
      expect(row('Kafka, PEER listener')).toContain(`${l.to} ${l.upstreamPort}`);
    }
    expect(row('link daemon control API')).toContain(` ${config.linkControlPort} `);
    expect(row('private Postgres cluster')).toContain(` ${config.postgres.privatePort} `);
  });
});
