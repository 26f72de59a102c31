import { describe, expect, it } from 'vitest';
import { isConcordError } from '@concord/core';
import {
  formatDuration,
  formatRate,
  parseDuration,
  parseRate,
  validateLinkPatch,
} from './linkSettings.js';

describe('link settings parsing', () => {
  it('reads durations with units', () => {
    expect(parseDuration('80ms')).toBe(80);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('0ms')).toBe(0);
    for (const bad of ['80', 'fast', '-1ms', '10m', '']) {
      expect(() => parseDuration(bad)).toThrow(/is not a duration|with a unit/);
    }
  });

  it('reads rates in decimal bits like tc, and 0/off', () => {
    expect(parseRate('1mbit')).toBe(1_000_000);
    expect(parseRate('512kbit')).toBe(512_000);
    expect(parseRate('2.5Mbit')).toBe(2_500_000);
    expect(parseRate('off')).toBe(0);
    expect(parseRate('0')).toBe(0);
    for (const bad of ['1mb', 'fast', '1', '100bit']) {
      let error: unknown;
      try {
        parseRate(bad);
      } catch (e) {
        error = e;
      }
      expect(isConcordError(error, 'VALIDATION_FAILED')).toBe(true);
    }
  });

  it('formats what it parses', () => {
    expect(formatDuration(80)).toBe('80ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatRate(1_000_000)).toBe('1mbit');
    expect(formatRate(512_000)).toBe('512kbit');
    expect(formatRate(0)).toBe('off');
  });

  it('validates control-API patches field by field', () => {
    expect(validateLinkPatch({ cut: true, latencyMs: 5 })).toEqual({ cut: true, latencyMs: 5 });
    expect(() => validateLinkPatch({ cut: 'yes' })).toThrow(/cut/);
    expect(() => validateLinkPatch({ latencyMs: -1 })).toThrow(/latencyMs/);
    expect(() => validateLinkPatch({ drop: 1 })).toThrow(/drop/);
  });
});
