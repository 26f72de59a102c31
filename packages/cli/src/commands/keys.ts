import type { Command } from 'commander';
import { activateKey, ensureSigningKeys, listKeys, retireKey, stageKey } from '@concord/stack';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { renderTable } from '../output/renderTable.js';

function register(program: Command, ctx: CliContext): void {
  const keys = program
    .command('keys')
    .description(
      'region signing keys: list, generate, rotate with an overlap window (docs/operations.md)',
    );

  keys
    .command('list')
    .description('each region’s active, staged and accepted keys (by fingerprint)')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const list = listKeys(ctx.config());
      ctx.out(
        opts.json
          ? JSON.stringify(list, null, 2)
          : renderTable(
              ['region', 'signs with', 'staged', 'accepted'],
              list.map((k) => [k.region, k.active ?? '-', k.staged ?? '-', k.accepted.join(' ')]),
            ),
      );
    });

  keys
    .command('generate')
    .description(
      'create the key pair of every region that has none (existing keys are never replaced)',
    )
    .option('--missing', 'only the missing ones (the default; kept for scripts)')
    .action(() => {
      const config = ctx.config();
      const generated = ensureSigningKeys(config);
      ctx.out(
        generated.length
          ? `generated keys for ${generated.join(', ')} in ${config.keys.dir}`
          : `every region has its keys (${config.keys.dir})`,
      );
    });

  keys
    .command('stage <region>')
    .description(
      'rotation step 1: new key pair; its public key is appended to <region>.pub (distribute it, reload mirrors)',
    )
    .action((region: string) => {
      const fp = stageKey(ctx.config(), region);
      ctx.out(
        `staged ${fp} for ${region}: distribute ${region}.pub to every region, restart their mirrors, then \`concord keys activate ${region}\``,
      );
    });

  keys
    .command('activate <region>')
    .description(
      'rotation step 2: the region signs with its staged key (restart its writer and reconciler)',
    )
    .action((region: string) => {
      const fp = activateKey(ctx.config(), region);
      ctx.out(
        `${region} now signs with ${fp}; restart its writer and reconciler (the old public key stays accepted)`,
      );
    });

  keys
    .command('retire <region> <fingerprint>')
    .description(
      'stop accepting an old public key (events it signed would be dead-lettered on replay)',
    )
    .option('--force', 'confirm that no event signed with it remains in the log')
    .action((region: string, fingerprint: string, opts: { force?: boolean }) => {
      retireKey(ctx.config(), region, fingerprint, { force: opts.force === true });
      ctx.out(`${region} no longer accepts ${fingerprint}`);
    });
}

export const keysCommand: CommandModule = { name: 'keys', register };
