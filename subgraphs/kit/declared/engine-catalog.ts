import type { DataStore, StoreKind } from '../store.ts';

/**
 * What `meshgate new --from` reads of an engine's catalog to write a declared product: a
 * table's (or view's) columns in order, its primary key, its foreign keys and its comments.
 * Each engine reads its own catalog through its {@link DataStore}, names and values bound as
 * parameters; the rest of the generator is written once. A new engine is a store, a dialect
 * (in `DIALECTS`) and one reader here, added to {@link CATALOGS}.
 */
export interface CatalogReader {
  /** One table or view of `schema` (the connection's own when undefined), or undefined when the engine has none by that name. */
  readTable(store: DataStore, schema: string | undefined, name: string): Promise<CatalogTable | undefined>;
}

/** What a column holds, as far as the published type and the filters it gets are concerned. */
export type ColumnKind = 'int' | 'bigint' | 'float' | 'boolean' | 'date' | 'timestamp' | 'text' | 'other';

export interface CatalogColumn {
  name: string;
  /** The engine's own type name, e.g. `integer`, `VARCHAR`, `decimal(10,2)`. */
  type: string;
  kind: ColumnKind;
  nullable: boolean;
  comment: string | null;
}

export interface CatalogForeignKey {
  /** This table's columns, in the order of the referenced key. */
  columns: string[];
  /** The referenced table (in the same schema: references across schemas are left as plain columns). */
  table: string;
  references: string[];
}

export interface CatalogTable {
  schema: string;
  name: string;
  comment: string | null;
  /** The primary key's columns in key order; empty for a view or a table without one. */
  key: string[];
  columns: CatalogColumn[];
  foreignKeys: CatalogForeignKey[];
}

/** An engine's empty comment is no comment. */
const comment = (text: unknown): string | null => (typeof text === 'string' && text.trim() !== '' ? text : null);

/** Reads an engine's type name into a {@link ColumnKind}: the first rule that matches. */
function kinds(rules: readonly (readonly [RegExp, ColumnKind])[]): (type: string) => ColumnKind {
  return (type) => rules.find(([pattern]) => pattern.test(type))?.[1] ?? 'other';
}

const postgresKind = kinds([
  [/^(smallint|integer)$/, 'int'],
  [/^bigint$/, 'bigint'],
  [/^(real|double precision|numeric|money)/, 'float'],
  [/^boolean$/, 'boolean'],
  [/^date$/, 'date'],
  [/^timestamp/, 'timestamp'],
  [/^(text|character varying|character|citext)/, 'text'],
]);

/** PostgreSQL and the engines that speak its catalog (pg_catalog): keys and foreign keys in column order. */
const postgres: CatalogReader = {
  async readTable(store, schema, name) {
    const columns = await store.query<{ schema: string; name: string; data_type: string; nullable: boolean; comment: string | null; table_comment: string | null }>(
      `SELECT n.nspname::text AS schema, a.attname::text AS name, format_type(a.atttypid, NULL) AS data_type, NOT a.attnotnull AS nullable,
              col_description(c.oid, a.attnum) AS comment, obj_description(c.oid, 'pg_class') AS table_comment
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = coalesce($1, current_schema()) AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
         AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [schema ?? null, name],
    );
    if (columns.length === 0) return undefined;
    const ordered = (keys: string, relation: string) =>
      `ARRAY(SELECT a.attname::text FROM unnest(con.${keys}) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = con.${relation} AND a.attnum = k.attnum ORDER BY k.n)`;
    const constraints = await store.query<{ kind: string; columns: string[]; ref_schema: string | null; ref_table: string | null; ref_columns: string[] }>(
      `SELECT con.contype::text AS kind, ${ordered('conkey', 'conrelid')} AS columns, rn.nspname::text AS ref_schema, ref.relname::text AS ref_table,
              ${ordered('confkey', 'confrelid')} AS ref_columns
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class ref ON ref.oid = con.confrelid LEFT JOIN pg_namespace rn ON rn.oid = ref.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND con.contype IN ('p', 'f') ORDER BY con.conname`,
      [columns[0]!.schema, name],
    );
    return {
      schema: columns[0]!.schema,
      name,
      comment: comment(columns[0]!.table_comment),
      key: constraints.find((row) => row.kind === 'p')?.columns ?? [],
      columns: columns.map((column) => ({ name: column.name, type: column.data_type, kind: postgresKind(column.data_type), nullable: column.nullable, comment: comment(column.comment) })),
      foreignKeys: constraints.filter((row) => row.kind === 'f' && row.ref_schema === columns[0]!.schema).map((row) => ({ columns: row.columns, table: row.ref_table!, references: row.ref_columns })),
    };
  },
};

/** Read off COLUMN_TYPE, which carries what DATA_TYPE drops: `tinyint(1)` is MySQL's boolean, `unsigned` widens an int. */
const mysqlKind = kinds([
  [/^tinyint\(1\)/, 'boolean'],
  [/^(tinyint|smallint|mediumint)\b/, 'int'],
  [/^int\b(?!.*unsigned)/, 'int'],
  [/^(int|bigint)\b/, 'bigint'],
  [/^(decimal|float|double)\b/, 'float'],
  [/^date$/, 'date'],
  [/^(datetime|timestamp)\b/, 'timestamp'],
  [/^(char|varchar|tinytext|text|mediumtext|longtext|enum)\b/, 'text'],
]);

/** MySQL and MariaDB: information_schema, the database of the URL unless the table names another. */
const mysql: CatalogReader = {
  async readTable(store, schema, name) {
    const columns = await store.query<{ schema: string; name: string; column_type: string; nullable: string; comment: string }>(
      `SELECT TABLE_SCHEMA AS \`schema\`, COLUMN_NAME AS name, COLUMN_TYPE AS column_type, IS_NULLABLE AS nullable, COLUMN_COMMENT AS comment
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [schema ?? null, name],
    );
    if (columns.length === 0) return undefined;
    const own = columns[0]!.schema;
    const [table] = await store.query<{ type: string; comment: string }>(
      'SELECT TABLE_TYPE AS type, TABLE_COMMENT AS comment FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [own, name],
    );
    const keys = await store.query<{ constraint_name: string; column_name: string; ref_schema: string | null; ref_table: string | null; ref_column: string | null }>(
      `SELECT CONSTRAINT_NAME AS constraint_name, COLUMN_NAME AS column_name, REFERENCED_TABLE_SCHEMA AS ref_schema, REFERENCED_TABLE_NAME AS ref_table, REFERENCED_COLUMN_NAME AS ref_column
       FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION`,
      [own, name],
    );
    const foreign = new Map<string, CatalogForeignKey>();
    for (const row of keys) {
      if (!row.ref_table || row.ref_schema !== own) continue;
      const fk = foreign.get(row.constraint_name) ?? { columns: [], table: row.ref_table, references: [] };
      fk.columns.push(row.column_name);
      fk.references.push(row.ref_column!);
      foreign.set(row.constraint_name, fk);
    }
    return {
      schema: own,
      name,
      // A view's TABLE_COMMENT is the word VIEW.
      comment: table?.type === 'VIEW' ? null : comment(table?.comment),
      key: keys.filter((row) => row.constraint_name === 'PRIMARY').map((row) => row.column_name),
      columns: columns.map((column) => ({
        name: column.name,
        type: column.column_type,
        kind: mysqlKind(column.column_type.toLowerCase()),
        nullable: column.nullable === 'YES',
        comment: comment(column.comment),
      })),
      foreignKeys: [...foreign.values()],
    };
  },
};

const duckdbKind = kinds([
  [/^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT)$/, 'int'],
  [/^(BIGINT|HUGEINT|UINTEGER|UBIGINT|UHUGEINT)$/, 'bigint'],
  [/^(FLOAT|DOUBLE|REAL|DECIMAL)/, 'float'],
  [/^BOOLEAN$/, 'boolean'],
  [/^DATE$/, 'date'],
  [/^TIMESTAMP/, 'timestamp'],
  [/^VARCHAR$/, 'text'],
]);

/** DuckDB, a database file or files read as views: its duckdb_* table functions. */
const duckdb: CatalogReader = {
  async readTable(store, schema, name) {
    const columns = await store.query<{ schema: string; name: string; data_type: string; nullable: boolean; comment: string | null }>(
      `SELECT schema_name AS schema, column_name AS name, data_type, is_nullable AS nullable, comment FROM duckdb_columns()
       WHERE database_name = current_database() AND schema_name = coalesce($1, current_schema()) AND table_name = $2 ORDER BY column_index`,
      [schema ?? null, name],
    );
    if (columns.length === 0) return undefined;
    const own = columns[0]!.schema;
    const [relation] = await store.query<{ comment: string | null }>(
      `SELECT comment FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2
       UNION ALL SELECT comment FROM duckdb_views() WHERE database_name = current_database() AND schema_name = $1 AND view_name = $2`,
      [own, name],
    );
    const constraints = await store.query<{ kind: string; columns: string[]; ref_table: string | null; ref_columns: string[] }>(
      `SELECT constraint_type AS kind, constraint_column_names AS columns, referenced_table AS ref_table, referenced_column_names AS ref_columns
       FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = $1 AND table_name = $2
         AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') ORDER BY constraint_index`,
      [own, name],
    );
    return {
      schema: own,
      name,
      comment: comment(relation?.comment),
      key: constraints.find((row) => row.kind === 'PRIMARY KEY')?.columns ?? [],
      columns: columns.map((column) => ({ name: column.name, type: column.data_type, kind: duckdbKind(column.data_type), nullable: column.nullable, comment: comment(column.comment) })),
      foreignKeys: constraints.filter((row) => row.kind === 'FOREIGN KEY').map((row) => ({ columns: row.columns, table: row.ref_table!, references: row.ref_columns })),
    };
  },
};

export const CATALOGS: Readonly<Record<StoreKind, CatalogReader>> = { postgres, duckdb, mysql };
