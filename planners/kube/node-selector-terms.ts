// Required node affinity (core/v1 NodeSelectorTerm) evaluated against a label set, as the scheduler does
// against a node's labels: terms are ORed, a term's matchExpressions are ANDed. Auto-assign evaluates it
// against a Pool's labels (spec §5); matchFields name node fields a Pool does not have, so they are ignored.

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: unknown[];
}

export type Labels = Readonly<Record<string, string>>;

/** Gt/Lt compare integers; the scheduler takes exactly one value and an integer label. */
function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

export function requirementMatches(labels: Labels, { key, operator, values = [] }: NodeSelectorRequirement): boolean {
  const has = Object.hasOwn(labels, key);
  const value = labels[key];
  switch (operator) {
    case 'In':
      return has && values.includes(value!);
    case 'NotIn':
      return !has || !values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const actual = integer(value);
      const bound = values.length === 1 ? integer(values[0]) : undefined;
      if (actual === undefined || bound === undefined) return false;
      return operator === 'Gt' ? actual > bound : actual < bound;
    }
    default:
      // An operator we do not know cannot be shown to hold.
      return false;
  }
}

/**
 * True when some term matches. A term with neither expressions nor fields matches nothing (as in the
 * scheduler); a term with only matchFields matches, its fields being ignored. No terms: no constraint.
 */
export function termsMatch(labels: Labels, terms: readonly NodeSelectorTerm[]): boolean {
  if (terms.length === 0) return true;
  return terms.some((term) => {
    const expressions = term.matchExpressions ?? [];
    if (expressions.length === 0) return (term.matchFields ?? []).length > 0;
    return expressions.every((requirement) => requirementMatches(labels, requirement));
  });
}
