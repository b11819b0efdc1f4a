import type { LibraryRule } from '../../../schema/product/quality-rules.ts';
import type { DataStore, StoreValue } from '../store.ts';
import { readSql, relationSql, type TypeModel } from './declared-model.ts';
import type { Statement } from './declared-sql.ts';
import { Binder, DIALECTS, type SqlDialect } from './sql-dialect.ts';

/**
 * A product's library quality rules as SQL on its own engine: one statement per rule that
 * counts the type's rows and the rows violating it, over the whole relation rather than a
 * sample read through the gateway. Names come only from the declaration; every value a rule
 * compares with is bound. A rule SQL cannot say the same way on every engine (a regular
 * expression) is not pushed down and keeps running through the gateway.
 */
export function qualityStatement(type: TypeModel, dialect: SqlDialect, rule: LibraryRule, field?: string): Statement | undefined {
  if (!type.relation) return undefined;
  const from = relationSql(type.relation, dialect);
  if (rule.metric === 'rowCount') return field === undefined ? { sql: `SELECT count(*) AS mg_rows FROM ${from}`, params: [] } : undefined;
  const read = field === undefined ? undefined : type.scalars.get(field);
  if (!read) return undefined;
  const value = readSql(read, dialect);
  const bind = new Binder(dialect);
  const args = rule.arguments ?? {};
  let violating: string;
  switch (rule.metric) {
    case 'nullValues':
      violating = `count(*) - count(${value})`;
      break;
    case 'duplicateValues':
      // Nulls are missing, not duplicated, as the gateway path counts them.
      violating = `count(${value}) - count(DISTINCT ${value})`;
      break;
    case 'missingValues': {
      const listed = (args.missingValues ?? []).filter((missing): missing is string | number => missing !== null);
      const terms = [...((args.missingValues ?? []).includes(null) ? [`${value} IS NULL`] : []), ...(listed.length ? [`${value} IN (${listed.map((missing) => bind.bind(missing)).join(', ')})`] : [])];
      violating = countWhen(terms.join(' OR '));
      break;
    }
    case 'invalidValues': {
      if (args.pattern !== undefined) return undefined;
      const valid: string[] = [];
      if (args.validValues) valid.push(`${value} IN (${args.validValues.map((allowed) => bind.bind(allowed as StoreValue)).join(', ')})`);
      if (args.minimum !== undefined) valid.push(`${value} >= ${bind.bind(args.minimum)}`);
      if (args.maximum !== undefined) valid.push(`${value} <= ${bind.bind(args.maximum)}`);
      violating = countWhen(`${value} IS NOT NULL AND NOT (${valid.join(' AND ')})`);
      break;
    }
  }
  return { sql: `SELECT count(*) AS mg_rows, ${violating} AS mg_violating FROM ${from}`, params: bind.values };
}

function countWhen(condition: string): string {
  return `coalesce(sum(CASE WHEN ${condition} THEN 1 ELSE 0 END), 0)`;
}

/** What a pushed-down rule counted: the type's rows, and the violating ones (the rows themselves for rowCount). */
export interface PushedCount {
  rows: number;
  violating: number;
}

/** Runs one rule's statement on the product's engine. */
export async function countViolations(store: DataStore, statement: Statement): Promise<PushedCount> {
  const [row] = await store.query<{ mg_rows: unknown; mg_violating?: unknown }>(statement.sql, statement.params);
  const rows = Number(row?.mg_rows ?? 0);
  return { rows, violating: row?.mg_violating === undefined ? rows : Number(row.mg_violating) };
}

export function dialectOf(store: DataStore): SqlDialect {
  return DIALECTS[store.kind];
}
