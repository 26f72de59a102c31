import type { StackEndpoints, StackStatus } from '@concord/stack';
import { renderTable } from './renderTable.js';

/** The replication and security lines of `stack up` (stack.json). */
export function renderModes(e: StackEndpoints): string {
  const mm2 = e.replication?.mirrorMakers ?? [];
  const lines = [
    e.replication?.mode === 'mm2'
      ? `replication: mm2 — MirrorMaker 2 ${mm2.map((m) => `${m.target} ← ${m.sources.join(',')}`).join('; ')} (mirrors read the local copies <origin>.<ns>.events.<origin>)`
      : 'replication: direct (mirrors read other regions through the link proxies)',
  ];
  lines.push(
    e.security
      ? `cross-region listeners: SASL_SSL (${e.security.mechanism}, CA ${e.security.caFile}, users ${Object.values(
          e.security.users,
        )
          .map((u) => u.username)
          .join(', ')}; read-only ACLs)`
      : 'cross-region listeners: PLAINTEXT',
  );
  return lines.join('\n');
}

/** `stack status`: the MirrorMaker 2 processes and the modes, after the common table. */
export function renderModeStatus(s: StackStatus): string {
  const parts = [
    `replication ${s.replication}; cross-region listeners ${s.security === 'sasl_ssl' ? 'SASL_SSL' : 'PLAINTEXT'}`,
  ];
  if (s.mirrorMakers.length > 0) {
    parts.push(
      '',
      renderTable(
        ['mm2 into', 'from', 'state', 'pid', 'log'],
        s.mirrorMakers.map((m) => [
          m.target,
          m.sources.join(','),
          m.state,
          m.pid ? String(m.pid) : '-',
          m.log,
        ]),
      ),
    );
  }
  return parts.join('\n');
}
