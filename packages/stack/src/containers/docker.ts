import { spawn, spawnSync } from 'node:child_process';
import { ConcordError } from '@concord/core';
import { findExecutable, prerequisiteMissing } from '../prerequisites.js';
import type { ProgressSink } from '../progress.js';

/**
 * The Docker CLI against the engine DOCKER_HOST names (dockerd, or podman's Docker-compatible
 * socket). See docs/containers.md for starting one without root-owned defaults.
 */
export function requireDocker(): string {
  const docker = findExecutable('docker');
  const fix =
    'install a container engine (apt-get install docker.io) and start it (docs/containers.md), then set DOCKER_HOST';
  if (!docker) throw prerequisiteMissing('docker not found on PATH', fix);
  const probe = spawnSync(docker, ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.stdout || '').trim().split('\n').pop() ?? '';
    throw prerequisiteMissing(
      `no container engine answers at ${process.env.DOCKER_HOST ?? 'the default socket'}${why ? ` (${why})` : ''}`,
      fix,
    );
  }
  return docker;
}

/** True when `image` exists in the engine. */
export function imageExists(docker: string, image: string): boolean {
  return spawnSync(docker, ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;
}

export interface RunOptions {
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Piped to the command's stdin (e.g. a tar stream's producer). */
  readonly stdinFrom?: NodeJS.ReadableStream;
  readonly progress?: ProgressSink;
  /** Progress part of every output line. */
  readonly part: string;
}

/**
 * Runs `command args`, forwarding each output line as transient progress; fails with
 * CONTAINER_COMMAND_FAILED and the output's last lines when it exits non-zero.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.stdinFrom ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    if (options.stdinFrom && child.stdin) options.stdinFrom.pipe(child.stdin);
    let output = '';
    const onData = (d: Buffer) => {
      const text = d.toString();
      output += text;
      if (output.length > 200_000) output = output.slice(-100_000);
      for (const line of text.split('\n')) {
        const trimmed = line.trim();
        if (trimmed)
          options.progress?.({
            part: options.part,
            message: trimmed.slice(0, 160),
            transient: true,
          });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) return resolve(output);
      reject(
        new ConcordError(
          'CONTAINER_COMMAND_FAILED',
          `${command} ${args.slice(0, 3).join(' ')}… exited with ${code}:\n${output.split('\n').slice(-15).join('\n')}`,
          { retriable: false },
        ),
      );
    });
  });
}
