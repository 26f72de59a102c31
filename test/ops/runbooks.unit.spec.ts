import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildProgram, commands, createCliContext } from '@concord/cli';

const root = resolve(import.meta.dirname, '../..');
const dir = resolve(root, 'docs/runbooks');
const pages = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md');

/** Every `./concord …` command line in the runbooks (code blocks and inline code). */
export function runbookCommands(): { page: string; line: string }[] {
  return pages.flatMap((page) =>
    [...readFileSync(resolve(dir, page), 'utf8').matchAll(/\.\/concord ([^`\n#]+)/g)].map((m) => ({
      page,
      line: m[1]!.trim(),
    })),
  );
}

/** Finds the command a line invokes and checks each --option exists on it. */
function resolveLine(program: Command, line: string): string | undefined {
  const words = line.split(/\s+/);
  let cmd = program;
  let i = 0;
  while (i < words.length) {
    const next = cmd.commands.find((c) => c.name() === words[i]);
    if (!next) break;
    cmd = next;
    i++;
  }
  if (cmd === program) return `no command "${words[0]}"`;
  for (const word of words.slice(i)) {
    if (!word.startsWith('--')) continue;
    const flag = word.split('=')[0]!;
    if (!cmd.options.some((o) => o.long === flag)) return `"${cmd.name()}" has no option ${flag}`;
  }
  return undefined;
}

describe('runbooks', () => {
  it('exist for every failure mode and have the required sections', () => {
    expect(pages.sort()).toEqual(
      [
        'apply-stalled.md',
        'clock-skew.md',
        'cost-growth.md',
        'dlq-growth.md',
        'link-flaps.md',
        'replication-channel-exposure.md',
        'replication-lag.md',
        'schema-drift.md',
        'split-brain-writes.md',
        'traffic-skew.md',
      ].sort(),
    );
    for (const page of pages) {
      const text = readFileSync(resolve(dir, page), 'utf8');
      for (const section of [
        '## Symptoms',
        '## Signals',
        '## Diagnose',
        '## Fix',
        '## Verify recovery',
      ]) {
        expect(text, `${page} lacks ${section}`).toContain(section);
      }
    }
  });

  it('are the runbooks the alert rules point to', () => {
    const rules = parse(
      readFileSync(resolve(root, 'infra/prometheus/rules/concord.yml'), 'utf8'),
    ) as {
      groups: { rules: { alert: string; annotations: { runbook: string } }[] }[];
    };
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      expect(
        existsSync(resolve(root, rule.annotations.runbook)),
        `${rule.alert} → ${rule.annotations.runbook}`,
      ).toBe(true);
    }
  });

  it('name only commands and options the concord CLI has', () => {
    const program = buildProgram(
      commands,
      createCliContext({ out: () => undefined, err: () => undefined, interactive: false }),
    );
    const lines = runbookCommands();
    expect(lines.length).toBeGreaterThan(15);
    const problems = lines
      .map((l) => ({ ...l, problem: resolveLine(program, l.line) }))
      .filter((l) => l.problem);
    expect(problems).toEqual([]);
  });
});
