import { ConcordError } from '@concord/core';

export interface ConfigIssue {
  /** The environment variable (or derived field) at fault. */
  readonly field: string;
  readonly message: string;
  readonly value?: string;
}

/** The same issue reported for several regions is listed once. */
export function dedupe(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.field}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function configError(raw: readonly ConfigIssue[]): ConcordError {
  // A password in a misspelt or misplaced variable must not be echoed back.
  const issues = raw.map((i) =>
    i.value !== undefined && /PAS[SW]|SECRET/.test(i.field) ? { ...i, value: '[redacted]' } : i,
  );
  const lines = issues.map(
    (i) => `${i.field}: ${i.message}${i.value === undefined ? '' : ` (got "${i.value}")`}`,
  );
  return new ConcordError('CONFIG_INVALID', `invalid configuration: ${lines.join('; ')}`, {
    details: { issues: issues.map((i) => ({ ...i })) },
    retriable: false,
  });
}
