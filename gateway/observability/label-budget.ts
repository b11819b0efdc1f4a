/** The label value every value past a budget is recorded under. */
const OTHER_LABEL = 'other';

export interface LabelBudgetOptions {
  /**
   * Distinct values kept per label (client name, client version, operation name); later
   * values are recorded as `other`. @default 100
   */
  maxLabelValues: number;
  /** Distinct label combinations kept per metric; later combinations fold into `other`. @default 500 */
  maxLabelCombinations: number;
  /** Client names always recorded under their own name, whatever the budget. @default [] */
  knownClients: readonly string[];
}

/**
 * Bounds the label values callers choose. Client names, versions and operation names come
 * from request headers and documents: each distinct value is a Prometheus series (and a
 * usage row) kept for the life of the process, so a caller inventing names would grow
 * memory and `/metrics` without end. The first values seen are kept, the rest become
 * `other`, and configured known clients are always kept: a real client that arrives after
 * an attacker has spent the budget is still seen under its own name.
 *
 * Each label alone is bounded, and so is each metric's number of combinations: 100 clients
 * x 100 versions x 100 operations would still be a million series.
 */
export class LabelBudget {
  private readonly known: ReadonlySet<string>;
  private readonly values = new Map<string, Set<string>>();
  private readonly combinations = new Map<string, Set<string>>();

  /** `onFold(name)` counts each value (by label) or combination (by metric) recorded as `other`. */
  constructor(
    private readonly options: LabelBudgetOptions,
    private readonly onFold: (name: string) => void = () => {},
  ) {
    this.known = new Set(options.knownClients);
  }

  /** `value` if it fits the budget of `label` (or is a known client), else `other`. */
  value(label: string, value: string): string {
    if (label === 'client' && this.known.has(value)) return value;
    if (admit(this.values, label, value, this.options.maxLabelValues)) return value;
    this.onFold(label);
    return OTHER_LABEL;
  }

  /**
   * The labels of one observation of `metric`, each value within its budget, and the
   * combination within the metric's: past it, every caller-chosen label folds to `other`
   * except a known client's name.
   */
  labels<L extends Record<string, string>>(metric: string, labels: L, chosenByCaller: readonly (keyof L & string)[]): L {
    const bounded = { ...labels };
    for (const label of chosenByCaller) bounded[label] = this.value(label, labels[label]!) as L[typeof label];
    const key = chosenByCaller.map((label) => bounded[label]).join('\u0000');
    if (admit(this.combinations, metric, key, this.options.maxLabelCombinations)) return bounded;
    this.onFold(metric);
    for (const label of chosenByCaller) if (!(label === 'client' && this.known.has(bounded[label]!))) bounded[label] = OTHER_LABEL as L[typeof label];
    return bounded;
  }
}

/** Whether `value` is (or now becomes) one of the first `max` distinct values kept under `name`. */
function admit(kept: Map<string, Set<string>>, name: string, value: string, max: number): boolean {
  let seen = kept.get(name);
  if (!seen) {
    seen = new Set();
    kept.set(name, seen);
  }
  if (seen.has(value)) return true;
  if (seen.size >= max) return false;
  seen.add(value);
  return true;
}
