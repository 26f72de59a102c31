import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ANOMALY_KINDS } from '@concord/chaos';
import { launchChromium, runConcord } from '@concord/test-support';

const artifacts = resolve(import.meta.dirname, '../artifacts');

describe('concord demo (the main job)', () => {
  it('converges after a 40 s run with ap cut off, and its report renders in headless Chromium', async () => {
    const out = mkdtempSync(join(tmpdir(), 'demo-'));
    const run = await runConcord(['demo', '--duration', '40', '--out', out], {
      timeoutMs: 480_000,
    });
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(
      /converged in \d+(\.\d+)? s after heal; \d+ streams identical in every region/,
    );

    const report = JSON.parse(readFileSync(join(out, 'demo-report.json'), 'utf8')) as {
      ok: boolean;
      isolated: string;
      partition: { fromSec: number; toSec: number };
      convergedAfterHealSec: number;
      writes: { acked: number; transfers: number };
      crash: { region: string; atSec: number };
      availability: {
        overall: { attempted: number; acked: number; refused: number; ratio: number };
        failovers: number;
        ackedAway: number;
        sessionReads: number;
        staleReads: number;
      };
      verify: { converged: boolean; differing: unknown[] };
      check: {
        ok: boolean;
        counts: Record<string, number>;
        stats: { conflicts: number; merges: number };
      };
    };
    expect(report.ok).toBe(true);
    expect(report.isolated).toBe('ap');
    expect(report.partition.toSec - report.partition.fromSec).toBeGreaterThanOrEqual(8);
    expect(report.verify).toMatchObject({ converged: true, differing: [] });
    expect(Object.values(report.check.counts).every((n) => n === 0)).toBe(true);
    expect(report.convergedAfterHealSec).toBeLessThan(10);
    expect(report.writes.acked).toBeGreaterThan(500);
    expect(report.writes.transfers).toBeGreaterThan(10);
    expect(report.check.stats.merges).toBeGreaterThan(0); // concurrent writes were merged
    // The eu writer was SIGKILLed mid-run: its clients failed over, no write went unanswered,
    // and every session read saw its write.
    expect(report.crash.region).toBe('eu');
    expect(report.availability.failovers).toBeGreaterThanOrEqual(1);
    expect(report.availability.ackedAway).toBeGreaterThan(0);
    expect(report.availability.overall.ratio).toBeGreaterThanOrEqual(0.99);
    expect(report.availability.sessionReads).toBeGreaterThan(0);
    expect(report.availability.staleReads).toBe(0);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(out, 'demo-report.html')).href);
      await page.waitForSelector('body[data-charts-rendered="5"]', { timeout: 15_000 });
      expect(errors).toEqual([]);
      expect(await page.getAttribute('#verdict', 'class')).toContain('ok');
      for (const id of ['lag', 'conflicts', 'throughput', 'pending']) {
        expect(
          await page.locator(`[data-chart="${id}"][data-rendered="true"] canvas`).count(),
          id,
        ).toBe(1);
        expect(
          Number(await page.getAttribute(`[data-chart="${id}"]`, 'data-points')),
        ).toBeGreaterThan(30);
      }
      // The deployment's CPU: one reading per 5 s window, repeated on every sample after it.
      expect(await page.locator('[data-chart="cpu"][data-rendered="true"] canvas').count()).toBe(1);
      expect(Number(await page.getAttribute('[data-chart="cpu"]', 'data-points'))).toBeGreaterThan(
        20,
      );
      expect(await page.textContent('[data-chart="lag"] .legend')).toContain('ap cut off');
      const results = await page
        .locator('section:has(h2:text("Invariants")) tbody tr td:nth-child(3)')
        .allTextContents();
      // One row per rule of the checker (packages/chaos ANOMALY_KINDS).
      expect(results.length).toBe(ANOMALY_KINDS.length);
      expect(new Set(results)).toEqual(new Set(['ok']));
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'demo-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
