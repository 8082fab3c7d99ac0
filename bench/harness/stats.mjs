// Small number helpers shared by the phases.

/** The p-th percentile of an ascending array (nearest rank), null when empty. */
export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Rounded to d decimals; null/undefined/non-finite pass through as null (or as themselves when non-finite numbers). */
export const round = (x, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? (x ?? null) : Math.round(x * 10 ** d) / 10 ** d);
