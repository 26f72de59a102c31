/**
 * The `concord bench system` section of bench/REPORT.md and the table the command prints:
 * each figure beside its same-run baseline and its target (targets: docs/performance.md).
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const n = (v: unknown, digits = 0) =>
  typeof v === 'number' && Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits })
    : '—';
const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'met' : '**not met**');
const le = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' ? a <= b : undefined;

/** The figures with their baseline and target, as rows [figure, measured, baseline, target, verdict]. */
export function systemRows(s: Json | undefined): string[][] {
  const idle = s?.idle;
  const one = s?.oneClient?.worst;
  const max = s?.openLoop?.sustained;
  const raw = s?.baselines?.rawProducer?.sustained;
  const naive = s?.baselines?.naivePipeline?.sustained;
  const steps: Json[] = s?.openLoop?.steps ?? [];
  // Lag at half the sustained maximum: the step whose rate is nearest below half of it.
  const half = max
    ? steps.filter((x) => x.ratePerRegion <= max.ratePerRegion / 2).at(-1)
    : undefined;
  const sr = s?.ratios?.sustainedVsRaw;
  // CPU per write is judged against the naive pipeline at its own sustained maximum (its fixed
  // cost amortised: the stricter figure); the same-rate figure is shown beside it.
  const cr = s?.ratios?.cpuPerWriteVsNaive;
  const naiveSame = s?.baselines?.naivePipeline?.steps?.find(
    (x: Json) => x.ratePerRegion === max?.ratePerRegion,
  );
  return [
    [
      'idle: the nine services',
      `${n(idle?.servicesCores, 3)} cores`,
      '—',
      '≤ 0.05 cores',
      verdict(le(idle?.servicesCores, 0.05)),
    ],
    [
      'idle: whole deployment',
      `${n(idle?.deployment?.totalCores, 3)} cores`,
      `stack alone ${n(idle?.stackAlone?.totalCores, 3)} cores`,
      'stack alone + 0.05',
      verdict(le(idle?.deployment?.totalCores, (idle?.stackAlone?.totalCores ?? NaN) + 0.05)),
    ],
    [
      'one client: append p50 / p99 / max (worst region)',
      `${n(one?.p50Ms, 1)} / ${n(one?.p99Ms, 1)} / ${n(one?.maxMs, 1)} ms`,
      '—',
      'p50 ≤ 5, p99 ≤ 20 ms',
      verdict(one ? one.p50Ms <= 5 && one.p99Ms <= 20 : undefined),
    ],
    [
      'sustained acknowledged appends/s, replicated everywhere',
      `${n(max?.ackedPerSecond)} (${n(max?.ratePerRegion)}/s per region)`,
      `raw producer ${n(raw?.ackedPerSecond)}; naive pipeline ${n(naive?.ackedPerSecond)}`,
      '≥ 0.5× raw',
      verdict(typeof sr === 'number' ? sr >= 0.5 : undefined),
    ],
    [
      'CPU-ms per replicated write above idle, at the sustained maximum',
      n(max?.cpuMsPerWrite, 2),
      `naive pipeline ${n(naiveSame?.cpuMsPerWrite, 2)} at the same rate, ${n(naive?.cpuMsPerWrite, 2)} at its maximum; raw producer ${n(raw?.cpuMsPerWrite, 2)}`,
      '≤ 2× naive',
      verdict(typeof cr === 'number' ? cr <= 2 : undefined),
    ],
    [
      'append p50 / p99 at the sustained maximum',
      `${n(max?.append?.p50Ms, 1)} / ${n(max?.append?.p99Ms, 1)} ms`,
      `raw ${n(raw?.append?.p50Ms, 1)} / ${n(raw?.append?.p99Ms, 1)} ms`,
      '—',
      '—',
    ],
    [
      `replication lag p99, worst pair, at half the maximum (${n(half?.ratePerRegion)}/s per region)`,
      `${n(half?.worstLagP99Ms)} ms`,
      `naive pipeline ${n(s?.baselines?.naivePipeline?.steps?.find((x: Json) => x.ratePerRegion === half?.ratePerRegion)?.worstLagP99Ms)} ms`,
      '≤ 300 ms',
      verdict(half ? half.worstLagP99Ms <= 300 : undefined),
    ],
  ];
}

/** The steps as rows: rate, acked, append p50/p99, lag p50/p99 per pair, CPU-ms/write, verdict. */
export function stepRows(steps: readonly Json[] | undefined): string[][] {
  return (steps ?? []).map((x) => [
    `${n(x.ratePerRegion)}/s`,
    `${n(x.ackedPerSecond)}/s`,
    `${n(x.append?.p50Ms, 1)} / ${n(x.append?.p99Ms, 1)} ms`,
    (x.lag ?? [])
      .map((l: Json) => `${l.origin}→${l.region} ${n(l.p50Ms)}/${n(l.p99Ms)}`)
      .join(', ') || '—',
    n(x.cpuMsPerWrite, 2),
    x.verdict?.held ? 'held' : `failed (${x.verdict?.reason})`,
  ]);
}

const table = (head: string[], rows: string[][]) => [
  `| ${head.join(' | ')} |`,
  `|${head.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
];

/** The REPORT.md section. */
export function renderSystemSection(s: Json | undefined, when: string): string[] {
  const idle = s?.idle?.deployment?.cores as Record<string, number> | undefined;
  return [
    `## Whole deployment (\`concord bench system\`, ${when})`,
    '',
    s
      ? `Three regions as \`concord run\` starts them; open loop of 1 KiB appends (30 % to shared streams) at doubling rates in every region at once until errors, or replication lag or append p99 > 1 s. Where one write's CPU goes: docs/performance.md.`
      : 'Not measured yet (`concord bench system`).',
    '',
    ...table(['figure', 'measured', 'baseline (same run)', 'target', 'verdict'], systemRows(s)),
    '',
    ...(idle
      ? [
          `Idle cores per process kind: ${Object.entries(idle)
            .map(([k, v]) => `${k} ${n(v, 3)}`)
            .join(', ')}.`,
          '',
        ]
      : []),
    ...(s?.openLoop?.steps?.length
      ? [
          ...table(
            [
              'rate per region',
              'acked (all)',
              'append p50 / p99',
              'lag p50/p99 ms per pair',
              'CPU-ms/write',
              'step',
            ],
            stepRows(s.openLoop.steps),
          ),
          '',
        ]
      : []),
  ];
}
