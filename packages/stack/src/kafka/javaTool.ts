import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface JavaToolRun {
  readonly code: number;
  /** stdout and stderr together, with every secret replaced by `[redacted]`. */
  readonly output: string;
}

/** One argument as the java launcher reads it from an @argfile (quoted, `\` and `"` escaped). */
function argFileLine(arg: string): string {
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Runs a Kafka command-line tool (`java <jvm args> <main class> <args>`) to completion.
 * Everything after `java` goes through an @argfile (mode 0600, deleted afterwards), so a
 * password in the tool's arguments (SCRAM credentials) never shows in /proc/<pid>/cmdline or
 * `ps`; `secrets` are also masked in the output returned.
 */
export async function runJavaTool(options: {
  readonly java: string;
  /** JVM options, classpath and main class, then the tool's own arguments. */
  readonly args: readonly string[];
  readonly cwd: string;
  readonly secrets?: readonly string[];
}): Promise<JavaToolRun> {
  const argFile = join(options.cwd, `.tool-${process.pid}-${randomBytes(4).toString('hex')}.args`);
  writeFileSync(argFile, options.args.map(argFileLine).join('\n') + '\n', { mode: 0o600 });
  try {
    const { code, output } = await new Promise<{ code: number; output: string }>(
      (resolve, reject) => {
        const child = spawn(options.java, [`@${argFile}`], {
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: options.cwd,
        });
        let text = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        child.stderr.on('data', (d: Buffer) => (text += d.toString()));
        child.once('error', reject);
        child.once('close', (c) => resolve({ code: c ?? 1, output: text }));
      },
    );
    let masked = output;
    for (const secret of options.secrets ?? []) {
      if (secret) masked = masked.split(secret).join('[redacted]');
    }
    return { code, output: masked };
  } finally {
    rmSync(argFile, { force: true });
  }
}
