import type { ProgressEvent, ProgressSink } from '@concord/stack';
import type { CliOutput } from '../CliContext.js';

/**
 * Prints stack progress on stderr as `+12.3s kafka us: ready`. Frequent (transient) updates,
 * such as jar download counts, redraw one line on a terminal and are thinned out elsewhere.
 */
export function progressPrinter(output: CliOutput, t0 = Date.now()): ProgressSink {
  let lastTransient = 0;
  let transientShown = false;
  return (event: ProgressEvent) => {
    const elapsed = `+${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(7);
    const line = `${elapsed} ${event.part}${event.region ? ` ${event.region}` : ''}: ${event.message}`;
    if (event.transient) {
      if (output.interactive) {
        process.stderr.write(`\r\x1b[K${line}`);
        transientShown = true;
      } else if (Date.now() - lastTransient > 2000) {
        lastTransient = Date.now();
        output.err(line);
      }
      return;
    }
    if (transientShown) {
      process.stderr.write('\r\x1b[K');
      transientShown = false;
    }
    output.err(line);
  };
}
