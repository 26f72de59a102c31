import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { launchChromium } from '@concord/test-support';
import { renderHtmlReport, type ReportDocument } from '../index.js';

const artifacts = resolve(import.meta.dirname, '../../../../test/artifacts');

describe('renderHtmlReport in headless Chromium', () => {
  it('renders every chart from inline data with no network, shaded bands and an escaped page', async () => {
    const doc: ReportDocument = {
      title: 'Report <test>',
      subtitle: 'three regions',
      verdict: { ok: true, text: 'converged in 2.1 s after heal' },
      charts: [
        {
          id: 'lag',
          title: 'Replication lag',
          yLabel: 'ms',
          series: [
            {
              name: 'us→eu p99',
              points: [
                [0, 10],
                [1, 12],
                [2, 300],
                [3, 15],
              ],
            },
            {
              name: 'us→ap p99',
              points: [
                [0, 11],
                [2, 14],
                [3, null],
              ],
            },
          ],
          bands: [{ from: 1.5, to: 2.5, label: 'partition ap' }],
        },
        {
          id: 'tput',
          title: 'Throughput',
          yLabel: 'writes/s',
          series: [
            {
              name: 'us',
              points: [
                [0, 100],
                [3, 120],
              ],
            },
          ],
        },
      ],
      tables: [{ title: 'Regions', header: ['region', 'writes'], rows: [['us', '<b>9</b>']] }],
      timeline: [{ t: 1.5, text: 'partition ap' }],
    };
    mkdirSync(artifacts, { recursive: true });
    const file = join(artifacts, 'report-renderer.html');
    writeFileSync(file, renderHtmlReport(doc));

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-charts-rendered="2"]', { timeout: 10_000 });
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      expect(await page.locator('[data-chart="lag"][data-rendered="true"] canvas').count()).toBe(1);
      expect(await page.getAttribute('[data-chart="lag"]', 'data-points')).toBe('4');
      expect(await page.locator('[data-chart="lag"] .u-legend .u-series').count()).toBe(3);
      expect(await page.textContent('#verdict')).toBe('converged in 2.1 s after heal');
      expect(await page.textContent('h1')).toBe('Report <test>');
      expect(await page.locator('td b').count()).toBe(0); // table cells are escaped
      await page.screenshot({ path: join(artifacts, 'report-renderer.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
