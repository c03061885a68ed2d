/** Robust statistics for baselines: median, MAD-based z-scores, EWMA, Theil–Sen slope and the Mann–Kendall test. */

/** Median of numbers (0 for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/**
 * median(xs) and mad(xs) of counts (finite numbers, no -0: the values a numeric sort orders like the comparator
 * median() uses), with a typed-array sort instead of a compared one: the same two numbers, several times faster
 * for the per-minute baselines that detectors take at every minute of a run.
 */
export function countsMedianMad(xs: Float64Array): { median: number; mad: number } {
  const s = xs.slice().sort();
  const med = medianOfSorted(s);
  for (let i = 0; i < s.length; i++) s[i] = Math.abs((xs[i] ?? 0) - med);
  return { median: med, mad: 1.4826 * medianOfSorted(s.sort()) };
}

/**
 * median() and mad() of the counts in xs[0..n) (as countsMedianMad), reusing the caller's buffers: xs's first n
 * values are sorted in place, `out` gets [median, mad], `tmp` (at least n long) holds the deviations. For a judge
 * that takes them at every minute of a run: no allocation but the two views.
 */
export function countsMedianMadIn(xs: Float64Array, n: number, tmp: Float64Array, out: Float64Array): void {
  const s = xs.subarray(0, n).sort();
  const med = medianOfSorted(s);
  const d = tmp.subarray(0, n);
  for (let i = 0; i < n; i++) d[i] = Math.abs((s[i] ?? 0) - med);
  out[0] = med;
  out[1] = 1.4826 * medianOfSorted(d.sort());
}

function medianOfSorted(s: Float64Array): number {
  if (s.length === 0) return 0;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** Median absolute deviation scaled to σ for normal data (×1.4826). */
export function mad(xs: readonly number[], med = median(xs)): number {
  return 1.4826 * median(xs.map((x) => Math.abs(x - med)));
}

/** Robust z-score of x against a population (MAD floor avoids division by ~0). */
export function robustZ(x: number, med: number, madValue: number, floor = 1): number {
  return (x - med) / Math.max(madValue, floor);
}

/** Exponentially weighted moving average update. */
export function ewma(prev: number | null, x: number, alpha: number): number {
  return prev === null ? x : alpha * x + (1 - alpha) * prev;
}

/**
 * Theil–Sen slope: the median of pairwise slopes (robust to outliers). The slopes go into a typed array sorted
 * numerically (several times faster than median()'s compared sort on the n²/2 slopes of a day of buckets), and the
 * result is median()'s to the bit: finite slopes sort alike but for the sign of a zero, which medianLike restores.
 */
export function theilSen(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  let finite = true;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = (xs[j] ?? 0) - (xs[i] ?? 0);
      if (dx === 0) continue;
      const v = ((ys[j] ?? 0) - (ys[i] ?? 0)) / dx;
      if (!Number.isFinite(v)) finite = false;
      slopes[k++] = v;
    }
  }
  const all = slopes.subarray(0, k);
  return finite ? medianLike(all) : median(Array.from(all));
}

/**
 * median() of finite numbers, by a typed-array sort. The compared sort of median() keeps -0 and 0 in input order
 * (they compare equal; the sort is stable) where the typed sort puts -0 first: a zero median takes the sign of the
 * zero median() would pick, the (m − negatives)-th zero in input order.
 */
function medianLike(xs: Float64Array): number {
  const len = xs.length;
  if (len === 0) return 0;
  const s = xs.slice().sort();
  const m = len >> 1;
  const at = (i: number): number => {
    const v = s[i] ?? 0;
    if (v !== 0) return v;
    let negatives = 0;
    while (negatives < len && (s[negatives] ?? 0) < 0) negatives++;
    let nth = i - negatives;
    for (let j = 0; j < len; j++) {
      const x = xs[j] ?? 0;
      if (x === 0 && nth-- === 0) return x;
    }
    return v;
  };
  return len % 2 ? at(m) : (at(m - 1) + at(m)) / 2;
}

/** Mann–Kendall trend test: S statistic, normal-approximation z and two-sided p-value (no tie correction). */
export function mannKendall(ys: readonly number[]): { s: number; z: number; p: number } {
  const n = ys.length;
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign((ys[j] ?? 0) - (ys[i] ?? 0));
  const variance = (n * (n - 1) * (2 * n + 5)) / 18;
  const z = variance > 0 ? (s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0) : 0;
  return { s, z, p: 2 * normalSf(Math.abs(z)) };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26). */
export function normalCdf(z: number): number {
  return z >= 0 ? 1 - normalSf(z) : normalSf(-z);
}

/**
 * Upper tail 1 − Φ(z), computed directly (Abramowitz–Stegun 7.1.26 for erfc) rather than as 1 − Φ(z), which
 * cancels to exactly 0 beyond z ≈ 8: a p-value of a very strong shift stays a tiny positive number, not 0.
 */
export function normalSf(z: number): number {
  if (z < 0) return 1 - normalSf(-z);
  const t = 1 / (1 + 0.3275911 * z / Math.SQRT2);
  return 0.5 * ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
}

/** Chi-square test of homogeneity for two count vectors over the same categories: statistic, df, p-value. */
export function chiSquare2(a: readonly number[], b: readonly number[]): { chi2: number; df: number; p: number } {
  const ta = a.reduce((x, y) => x + y, 0);
  const tb = b.reduce((x, y) => x + y, 0);
  const total = ta + tb;
  if (total === 0) return { chi2: 0, df: 1, p: 1 };
  // Categories expected fewer than 5 times in either sample are pooled into one (Cochran's rule): sparse cells
  // would otherwise inflate the statistic on small samples.
  const cols: [number, number][] = [];
  let pooledA = 0;
  let pooledB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    const col = x + y;
    if (col === 0) continue;
    if (Math.min((col * ta) / total, (col * tb) / total) < 5) {
      pooledA += x;
      pooledB += y;
    } else cols.push([x, y]);
  }
  if (pooledA + pooledB > 0) cols.push([pooledA, pooledB]);
  let chi2 = 0;
  for (const [x, y] of cols) {
    const col = x + y;
    const ea = (col * ta) / total;
    const eb = (col * tb) / total;
    if (ea > 0) chi2 += (x - ea) ** 2 / ea;
    if (eb > 0) chi2 += (y - eb) ** 2 / eb;
  }
  const df = Math.max(cols.length - 1, 1);
  return { chi2, df, p: chiSquareSf(chi2, df) };
}

/** Survival function of the chi-square distribution (Wilson–Hilferty normal approximation). */
export function chiSquareSf(x: number, k: number): number {
  if (x <= 0) return 1;
  const z = (Math.cbrt(x / k) - (1 - 2 / (9 * k))) / Math.sqrt(2 / (9 * k));
  return normalSf(z);
}

/** Jensen–Shannon divergence (base 2, 0..1) of two count vectors. */
export function jensenShannon(a: readonly number[], b: readonly number[]): number {
  const ta = a.reduce((x, y) => x + y, 0) || 1;
  const tb = b.reduce((x, y) => x + y, 0) || 1;
  let js = 0;
  for (let i = 0; i < a.length; i++) {
    const p = (a[i] ?? 0) / ta;
    const q = (b[i] ?? 0) / tb;
    const m = (p + q) / 2;
    if (p > 0) js += 0.5 * p * Math.log2(p / m);
    if (q > 0) js += 0.5 * q * Math.log2(q / m);
  }
  return js;
}
