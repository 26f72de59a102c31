import type { Command } from 'commander';
import { ConcordError } from '@concord/core';
import { replayProjection, type ReplayResult } from '@concord/mirror';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { renderTable } from '../output/renderTable.js';

function render(result: ReplayResult): string {
  const row = (label: string, d: ReplayResult['before']) => [
    label,
    String(d.events),
    String(d.streams),
    String(d.buckets),
    d.digest,
  ];
  return [
    renderTable(
      ['projection', 'events', 'streams', 'buckets', 'region digest'],
      [row('before (live)', result.before), row('after (rebuilt)', result.after)],
    ),
    '',
    result.match
      ? `digests match — ${result.region} swapped to generation ${result.generation} (${result.mode} mode, ${(result.elapsedMs / 1000).toFixed(1)} s)`
      : `DIGESTS DIFFER — the rebuilt projection (from the ${result.mode === 'kafka' ? 'log of record' : 'stored events'}) is now live as generation ${result.generation}; the old one is kept as ${result.previousSchema ?? '(dropped)'} for inspection`,
    ...(result.refused > 0
      ? [`${result.refused} records refused while rebuilding (invalid or forged)`]
      : []),
    ...(result.previousSchema
      ? [`previous projection kept as schema ${result.previousSchema}`]
      : []),
  ].join('\n');
}

function register(program: Command, ctx: CliContext): void {
  program
    .command('replay')
    .description(
      "rebuild a region's projection into a fresh schema and swap it in atomically (docs/mirror.md)",
    )
    .requiredOption('--region <region>', 'the region whose projection is rebuilt')
    .option(
      '--from-beginning',
      're-read every source topic from offset 0 (default: re-fold the stored events)',
    )
    .option('--drop-previous', 'drop the replaced schema instead of keeping it as projection_prev')
    .option('--json', 'print the result as JSON')
    .action(
      async (opts: {
        region: string;
        fromBeginning?: boolean;
        dropPrevious?: boolean;
        json?: boolean;
      }) => {
        const config = ctx.config();
        if (!config.regions.includes(opts.region)) {
          throw new ConcordError(
            'UNKNOWN_REGION',
            `unknown region ${opts.region} (regions: ${config.regions.join(', ')})`,
          );
        }
        const result = await replayProjection(config, {
          region: opts.region,
          fromBeginning: opts.fromBeginning === true,
          keepPrevious: opts.dropPrevious !== true,
          progress: (message) => ctx.err(`replay ${opts.region}: ${message}`),
        });
        ctx.out(opts.json ? JSON.stringify(result, null, 2) : render(result));
      },
    );
}

/** `concord replay --region R [--from-beginning]`. */
export const replayCommand: CommandModule = { name: 'replay', register };
