import type { Command } from 'commander';
import {
  readServicesStatus,
  runDetached,
  runServices,
  stopServices,
  type ServiceStatus,
} from '@concord/runner';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { progressPrinter } from '../output/progressPrinter.js';
import { renderTable } from '../output/renderTable.js';

/** The services table printed by `run` and `status`. */
export function renderServices(services: readonly ServiceStatus[]): string {
  return renderTable(
    ['service', 'region', 'state', 'pid', 'url', 'restarts', 'log'],
    services.map((s) => [
      s.kind,
      s.region,
      s.state,
      s.pid === undefined ? '-' : String(s.pid),
      s.url,
      String(s.restarts),
      s.logFile,
    ]),
  );
}

function register(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description(
      'run writer, mirror and reconciler of every region as supervised processes (brings the stack up first)',
    )
    .option('--regions <list>', 'regions to run, comma-separated (default: CONCORD_REGIONS)')
    .option('--detach', 'run in the background and return once every service is up')
    .option('--json', 'print the services as JSON')
    .action(async (opts: { regions?: string; detach?: boolean; json?: boolean }) => {
      const config = ctx.config(opts.regions ? { CONCORD_REGIONS: opts.regions } : {});
      if (opts.detach) {
        const cli = process.argv[1] ?? 'concord';
        const args = [cli, 'run', ...(opts.regions ? ['--regions', opts.regions] : [])];
        const services = await runDetached(config, args);
        ctx.out(opts.json ? JSON.stringify(services, null, 2) : renderServices(services));
        if (!opts.json) ctx.err('services run in the background; stop them with `concord stop`');
        return;
      }
      const supervisor = await runServices(config, {
        progress: progressPrinter(ctx),
        onChange: (s, previous) => {
          if (previous !== undefined) ctx.err(`${s.kind} ${s.region}: ${previous} → ${s.state}`);
        },
      });
      ctx.out(
        opts.json
          ? JSON.stringify(supervisor.status(), null, 2)
          : renderServices(supervisor.status()),
      );
      ctx.err('all services up; Ctrl-C (or SIGTERM) stops them');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          ctx.err('stopping services…');
          void supervisor.stop().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      ctx.err('services stopped');
    });

  program
    .command('stop')
    .description('stop the services started by `concord run` (the stack keeps running)')
    .action(async () => {
      const { stopped } = await stopServices(ctx.config());
      ctx.out(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'no services were running');
    });

  program
    .command('services')
    .description('the services started by `concord run`: state, PIDs, URLs, restarts')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const { supervisor, services } = readServicesStatus(ctx.config());
      if (opts.json) {
        ctx.out(JSON.stringify({ supervisor, services }, null, 2));
        return;
      }
      if (!supervisor) {
        ctx.out('no services have run here yet (`concord run`)');
        return;
      }
      ctx.out(
        `supervisor pid ${supervisor.pid}: ${supervisor.running ? 'running' : 'not running'}`,
      );
      ctx.out(renderServices(services));
    });
}

export const runCommand: CommandModule = { name: 'run', register };
