import type { DeclaredRelation, DeclaredWatermark } from '../../../schema/product/declaration.ts';
import type { DataStore } from '../store.ts';
import { WATERMARK_TABLE } from '../watermark.ts';
import { relationSql, type DeclaredModel } from './declared-model.ts';
import { watermarkStatement, type Statement } from './declared-sql.ts';
import { DIALECTS } from './sql-dialect.ts';

/**
 * How old a declared product's data is, read in its own engine with one statement: the latest
 * value of the column `watermark` names in declared.yaml (`SELECT max(updated_at) FROM orders`),
 * or the kit's `meshgate_watermark` table when it names none. The product reports it as
 * `dataAsOf` (at start and on each watermark probe), and `meshgate test` judges the SLA's
 * freshness by the same statement: one reading, whichever path asks.
 */
export function watermarkRelation(model: DeclaredModel, watermark: DeclaredWatermark): DeclaredRelation {
  return typeof watermark.from === 'string' ? model.types.get(watermark.from)!.relation! : watermark.from;
}

function freshnessStatement(model: DeclaredModel, store: DataStore): Statement {
  const dialect = DIALECTS[store.kind];
  const watermark = model.declaration.watermark;
  if (!watermark) return watermarkStatement(WATERMARK_TABLE, 'data_as_of', dialect);
  return watermarkStatement(relationSql(watermarkRelation(model, watermark), dialect), watermark.column, dialect);
}

/** The watermark as ISO 8601, or null when the engine has none (no rows, or no bookkeeping table). */
export async function readDeclaredWatermark(model: DeclaredModel, store: DataStore): Promise<string | null> {
  const { sql, params } = freshnessStatement(model, store);
  try {
    const [row] = await store.query<{ mg_watermark: unknown }>(sql, params);
    return isoInstant(row?.mg_watermark);
  } catch {
    return null;
  }
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * An engine's date or timestamp as an ISO 8601 instant. Drivers answer them as Date objects
 * (pg) or text (DuckDB, mysql2 with dateStrings); a value without a zone is read as UTC.
 */
function isoInstant(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'string') return null;
  const match = DATE_TIME.exec(value.trim());
  if (!match) return null;
  const zone = match[3] === undefined ? 'Z' : /^[+-]\d{4}$/.test(match[3]) ? `${match[3].slice(0, 3)}:${match[3].slice(3)}` : match[3].length === 3 && match[3] !== 'Z' ? `${match[3]}:00` : match[3];
  const time = Date.parse(`${match[1]}T${match[2] ?? '00:00:00'}${zone}`);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
