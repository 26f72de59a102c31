import { describe, expect, it } from 'vitest';
import { ConcordError } from '@concord/core';
import { exitCodeFor, parseServiceArgs } from './serviceMain.js';

describe('service boot', () => {
  it('takes --insecure and refuses anything else with VALIDATION_FAILED', () => {
    expect(parseServiceArgs('writer', [])).toEqual({ insecure: false });
    expect(parseServiceArgs('writer', ['--insecure'])).toEqual({ insecure: true });
    expect(() => parseServiceArgs('mirror', ['--port', '1'])).toThrow(
      /unknown argument --port; usage: node services\/mirror\/dist\/main.js/,
    );
  });

  it('maps a failed start to its exit code', () => {
    expect(exitCodeFor(new ConcordError('CONFIG_INVALID', 'x'))).toBe(3);
    expect(exitCodeFor(new ConcordError('VALIDATION_FAILED', 'x'))).toBe(2);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });
});
