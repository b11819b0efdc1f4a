import type { TimeGrain } from '../../../schema/product/declaration.ts';
import type { StoreKind, StoreValue } from '../store.ts';

/**
 * What a declared product needs to know of an engine to write its SQL: how to quote a name,
 * how a bound value is written, list membership and time grains. This is the whole adapter:
 * a new engine is a {@link DataStore} (query, columnsOf, close) plus one object of this
 * shape, added to {@link DIALECTS}, and, for `meshgate new --from`, a catalog reader in
 * `CATALOGS`. Everything else (entities, lists, cursors, aggregates) is written once,
 * in standard SQL, in the declared statement builders.
 *
 * The Postgres dialect also serves engines that speak the Postgres wire protocol and SQL:
 * CockroachDB, YugabyteDB (YSQL), Citus, Neon and AlloyDB/Aurora PostgreSQL. They are how a
 * product outgrows one machine without a new adapter.
 */
export interface SqlDialect {
  readonly kind: StoreKind;
  /** A table, view or column name from the reviewed declaration, quoted where it needs it. */
  quote(name: string): string;
  /** The placeholder of the `index`th bound value (from 1) of a statement. */
  placeholder(index: number): string;
  /** `expression` is one of `values` (a whole batch of keys in one statement). */
  oneOf(expression: string, values: readonly StoreValue[], bind: Binder): string;
  /** A date or timestamp truncated to `grain`, as text: `2026-07-14` (day, the week's Monday), `2026-07`, `2026-Q3`, `2026`. */
  timeBucket(expression: string, grain: TimeGrain): string;
}

/** Collects a statement's bound values in order and writes their placeholders. */
export class Binder {
  readonly values: StoreValue[] = [];
  constructor(private readonly dialect: SqlDialect) {}

  bind(value: StoreValue): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}

/**
 * Names left bare: plain lowercase ones that are no keyword. They read as the hand-written
 * SQL did (`WHERE id = ANY($1)`); any other name from the declaration is quoted.
 */
const PLAIN = /^[a-z_][a-z0-9_]*$/;
const RESERVED = new Set(
  (
    'all and any array as asc between both by case cast check collate column constraint create cross current_date current_time current_timestamp current_user ' +
    'default desc distinct do else end except false fetch for foreign from full grant group having in inner intersect into is join key leading left like limit ' +
    'natural not null offset on only or order outer over primary references right select session_user some symmetric table then to trailing true union unique ' +
    'user using values when where window with interval range rows read index keys match partition'
  ).split(' '),
);

function quoteWith(mark: string): (name: string) => string {
  return (name) =>
    name
      .split('.')
      .map((part) => (PLAIN.test(part) && !RESERVED.has(part) ? part : `${mark}${part.split(mark).join(mark + mark)}${mark}`))
      .join('.');
}

const ANY_OF = (expression: string, values: readonly StoreValue[], bind: Binder) => `${expression} = ANY(${bind.bind(values as readonly string[])})`;

const postgres: SqlDialect = {
  kind: 'postgres',
  quote: quoteWith('"'),
  placeholder: (index) => `$${index}`,
  oneOf: ANY_OF,
  timeBucket: (e, grain) =>
    ({
      day: `to_char(${e}, 'YYYY-MM-DD')`,
      week: `to_char(date_trunc('week', ${e}), 'YYYY-MM-DD')`,
      month: `to_char(${e}, 'YYYY-MM')`,
      quarter: `to_char(${e}, 'YYYY-"Q"Q')`,
      year: `to_char(${e}, 'YYYY')`,
    })[grain],
};

const duckdb: SqlDialect = {
  kind: 'duckdb',
  quote: quoteWith('"'),
  placeholder: (index) => `$${index}`,
  oneOf: ANY_OF,
  timeBucket: (e, grain) =>
    ({
      day: `strftime(CAST(${e} AS DATE), '%Y-%m-%d')`,
      week: `strftime(date_trunc('week', CAST(${e} AS DATE)), '%Y-%m-%d')`,
      month: `strftime(CAST(${e} AS DATE), '%Y-%m')`,
      quarter: `strftime(CAST(${e} AS DATE), '%Y') || '-Q' || CAST(quarter(CAST(${e} AS DATE)) AS VARCHAR)`,
      year: `strftime(CAST(${e} AS DATE), '%Y')`,
    })[grain],
};

const mysql: SqlDialect = {
  kind: 'mysql',
  quote: quoteWith('`'),
  placeholder: () => '?',
  // MySQL has no array parameters: one placeholder per key, still one statement per batch.
  oneOf: (expression, values, bind) => (values.length === 0 ? '1 = 0' : `${expression} IN (${(values as readonly StoreValue[]).map((value) => bind.bind(value)).join(', ')})`),
  timeBucket: (e, grain) =>
    ({
      day: `DATE_FORMAT(${e}, '%Y-%m-%d')`,
      week: `DATE_FORMAT(DATE_SUB(${e}, INTERVAL WEEKDAY(${e}) DAY), '%Y-%m-%d')`,
      month: `DATE_FORMAT(${e}, '%Y-%m')`,
      quarter: `CONCAT(YEAR(${e}), '-Q', QUARTER(${e}))`,
      year: `DATE_FORMAT(${e}, '%Y')`,
    })[grain],
};

export const DIALECTS: Readonly<Record<StoreKind, SqlDialect>> = { postgres, duckdb, mysql };
