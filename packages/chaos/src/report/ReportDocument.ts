/** A time series: x in seconds since the start of the run. */
export interface ReportSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number | null])[];
}

/** A shaded interval on a chart's time axis (a partition, a fault). */
export interface ReportBand {
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

export interface ReportChart {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly ReportSeries[];
  readonly bands?: readonly ReportBand[];
  /**
   * Draw a line across seconds without data (counters sampled every second: yes; latencies of
   * events applied in that second: no — an empty second means nothing arrived). Default true.
   */
  readonly spanGaps?: boolean;
}

export interface ReportTable {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Everything a demo or chaos report shows; rendered to one self-contained HTML file. */
export interface ReportDocument {
  readonly title: string;
  readonly subtitle: string;
  readonly verdict: { readonly ok: boolean; readonly text: string };
  readonly charts: readonly ReportChart[];
  readonly tables: readonly ReportTable[];
  readonly timeline: readonly { readonly t: number; readonly text: string }[];
}
