import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ReportDocument } from './ReportDocument.js';

const require = createRequire(import.meta.url);

/** uPlot's browser bundle and stylesheet, inlined so the report needs no network. */
function uplotAssets(): { js: string; css: string } {
  const dist = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  return {
    js: readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(join(dist, 'uPlot.min.css'), 'utf8'),
  };
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const PAGE_CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1d2430; padding: 0 1rem; }
h1 { margin-bottom: .2rem } .subtitle { color: #5b6475; margin-top: 0 }
.verdict { padding: .8rem 1rem; border-radius: 6px; font-weight: 600; margin: 1rem 0 }
.verdict.ok { background: #e3f6e8; color: #135c2a } .verdict.fail { background: #fde7e7; color: #8a1c1c }
.chart { margin: 1.5rem 0 } .chart h2, section h2 { font-size: 1.05rem; margin-bottom: .3rem }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; } th, td { padding: .25rem .7rem; border-bottom: 1px solid #e2e5ea; text-align: left; font-variant-numeric: tabular-nums }
th { background: #f4f6f9 } .timeline td:first-child { color: #5b6475; white-space: nowrap }
`;

/** Renders the chart data into uPlot charts with shaded bands, marking each as rendered. */
const PAGE_SCRIPT = `
(function () {
  var doc = JSON.parse(document.getElementById('report-data').textContent);
  var palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04', '#db2777'];
  function bandsPlugin(bands) {
    return { hooks: { drawClear: [function (u) {
      var ctx = u.ctx; ctx.save(); ctx.fillStyle = 'rgba(234, 88, 12, 0.12)';
      bands.forEach(function (b) {
        var x0 = u.valToPos(b.from, 'x', true), x1 = u.valToPos(b.to, 'x', true);
        ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
      });
      ctx.restore();
    }] } };
  }
  doc.charts.forEach(function (chart) {
    var el = document.querySelector('[data-chart="' + chart.id + '"] .plot');
    var xs = Array.from(new Set([].concat.apply([], chart.series.map(function (s) { return s.points.map(function (p) { return p[0]; }); })))).sort(function (a, b) { return a - b; });
    if (chart.spanGaps === false && xs.length > 1) {
      // A point per second between the first and the last, so an empty second shows as a gap.
      var filled = []; for (var x = xs[0]; x <= xs[xs.length - 1]; x += 1) filled.push(x); xs = filled;
    }
    var data = [xs].concat(chart.series.map(function (s) {
      var m = new Map(s.points.map(function (p) { return [p[0], p[1]]; }));
      return xs.map(function (x) { return m.has(x) ? m.get(x) : null; });
    }));
    var opts = {
      width: Math.min(1060, el.clientWidth || 1060), height: 260,
      scales: { x: { time: false } },
      axes: [{ label: 'seconds' }, { label: chart.yLabel }],
      series: [{ label: 't (s)' }].concat(chart.series.map(function (s, i) {
        return { label: s.name, stroke: palette[i % palette.length], width: 1.5, spanGaps: chart.spanGaps !== false };
      })),
      plugins: [bandsPlugin(chart.bands || [])],
    };
    new uPlot(opts, data, el);
    el.parentElement.setAttribute('data-rendered', 'true');
    el.parentElement.setAttribute('data-points', String(xs.length));
  });
  document.body.setAttribute('data-charts-rendered', String(doc.charts.length));
})();
`;

/**
 * One self-contained HTML file (inline uPlot, inline data, no network): the verdict, the
 * charts with shaded fault intervals, the tables and the timeline.
 */
export function renderHtmlReport(doc: ReportDocument): string {
  const { js, css } = uplotAssets();
  const charts = doc.charts
    .map(
      (c) =>
        `<div class="chart" data-chart="${escapeHtml(c.id)}"><h2>${escapeHtml(c.title)}</h2>` +
        `${(c.bands ?? []).length > 0 ? `<div class="legend">shaded: ${escapeHtml([...new Set((c.bands ?? []).map((b) => b.label))].join(', '))}</div>` : ''}` +
        `<div class="plot"></div></div>`,
    )
    .join('\n');
  const tables = doc.tables
    .map(
      (t) =>
        `<section><h2>${escapeHtml(t.title)}</h2><table><thead><tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
        `<tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></section>`,
    )
    .join('\n');
  const timeline = doc.timeline.length
    ? `<section><h2>Timeline</h2><table class="timeline"><tbody>${doc.timeline
        .map((e) => `<tr><td>+${e.t.toFixed(1)} s</td><td>${escapeHtml(e.text)}</td></tr>`)
        .join('')}</tbody></table></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(doc.title)}</title>
<style>${css}</style><style>${PAGE_CSS}</style></head>
<body>
<h1>${escapeHtml(doc.title)}</h1><p class="subtitle">${escapeHtml(doc.subtitle)}</p>
<div class="verdict ${doc.verdict.ok ? 'ok' : 'fail'}" id="verdict">${escapeHtml(doc.verdict.text)}</div>
${charts}
${tables}
${timeline}
<script id="report-data" type="application/json">${scriptJson({ charts: doc.charts })}</script>
<script>${js}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
