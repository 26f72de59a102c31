import type { Command } from 'commander';
import { buildImages, imageNames, missingImages } from '@concord/stack';
import type { CliContext } from '../CliContext.js';
import type { CommandModule } from '../CommandModule.js';
import { progressPrinter } from '../output/progressPrinter.js';
import { renderTable } from '../output/renderTable.js';

function register(program: Command, ctx: CliContext): void {
  const images = program
    .command('images')
    .description(
      'container images of the compose deployment and the containers stack provider (docs/containers.md)',
    );

  images
    .command('build')
    .description(
      'build (idempotent, cached) the base, Node, Kafka, Postgres, Redis and Concord images from infra/docker',
    )
    .option(
      '--registry',
      'build on the official debian:bookworm-slim and node:20-bookworm-slim images instead of a debootstrap base',
    )
    .action(async (opts: { registry?: boolean }) => {
      const result = await buildImages(ctx.config(), {
        progress: progressPrinter(ctx),
        registry: opts.registry === true,
      });
      ctx.out(
        renderTable(
          ['image', 'seconds'],
          Object.entries(result.seconds).map(([image, s]) => [image, String(s)]),
        ),
      );
    });

  images
    .command('status')
    .description('list the images and which are missing')
    .action(() => {
      const config = ctx.config();
      const missing = new Set(missingImages(config));
      const { base: _base, ...needed } = imageNames(config);
      ctx.out(
        renderTable(
          ['image', 'state'],
          Object.values(needed).map((image) => [image, missing.has(image) ? 'missing' : 'built']),
        ),
      );
    });
}

export const imagesCommand: CommandModule = { name: 'images', register };
