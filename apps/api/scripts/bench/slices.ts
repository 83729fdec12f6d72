/**
 * The interleaved reads' slices (options.ts, PAIRS and SLICE) and what is made of them: the row a run
 * shows in the table, and the ratios of two runs taken slice by slice, a round at a time.
 */

/** One measured slice of a closed-loop run (autocannon's figures for those seconds). */
export interface SliceFigures {
  /** The round (0-based): the slices of one round were taken one after the other, seconds apart. */
  round: number;
  requestsPerSecond: number;
  requests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * A run's row from its slices. Throughput is pooled: the slices are equally long, so the mean of their
 * per-second means is the run's per-second mean. Latency cannot be pooled (autocannon keeps percentiles,
 * not samples), so p50 and p99 are the median slice's.
 */
export function pooledRow(slices: SliceFigures[]) {
  return {
    requestsPerSecond: slices.reduce((sum, s) => sum + s.requestsPerSecond, 0) / slices.length,
    requests: slices.reduce((sum, s) => sum + s.requests, 0),
    latencyP50Ms: median(slices.map((s) => s.latencyP50Ms)),
    latencyP99Ms: median(slices.map((s) => s.latencyP99Ms)),
  };
}

/** A ratio per round, its median and range, and the same ratio of the pooled rows. */
export interface PairedRatio {
  each: number[];
  median: number;
  min: number;
  max: number;
  pooled: number;
}

/**
 * `top / bottom` for each round both ran in (the two slices seconds apart), and for the pooled rows.
 * `figure` picks the number compared: throughput, p50 or p99.
 */
export function pairedRatio(
  top: SliceFigures[],
  bottom: SliceFigures[],
  figure: (s: Pick<SliceFigures, 'requestsPerSecond' | 'latencyP50Ms' | 'latencyP99Ms'>) => number,
): PairedRatio | undefined {
  const each = top.flatMap((t) => {
    const b = bottom.find((x) => x.round === t.round);
    return b ? [figure(t) / figure(b)] : [];
  });
  if (each.length === 0) return undefined;
  return {
    each,
    median: median(each),
    min: Math.min(...each),
    max: Math.max(...each),
    pooled: figure(pooledRow(top)) / figure(pooledRow(bottom)),
  };
}
