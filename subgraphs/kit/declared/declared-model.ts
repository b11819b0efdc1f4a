import { Kind, parse, type ConstDirectiveNode, type DocumentNode, type FieldDefinitionNode } from 'graphql';
import { DECLARATION_FILE, keyColumnsOf, objectTypesOf, type Declaration, type DeclaredRelation, type DeclaredType, type FieldMapping } from '../../../schema/product/declaration.ts';
import { namedTypeOf } from '../../../schema/base/sdl-syntax.ts';
import { ConfigError, MeshErrorCode } from '../../../schema/protocol/error-codes.ts';
import type { SqlDialect } from './sql-dialect.ts';

/**
 * A declaration read together with the schema it serves: for each declared type, what one
 * row selects and how each field reads it. Built once at start; SQL text is written per
 * engine from it (the declared statement builders), resolvers from both (`declaredResolvers`).
 */
export interface TypeModel {
  name: string;
  /** The GraphQL key fields (`@key(fields: "id")`, or several for a composite key), in order. */
  keyFields: string[];
  /** The key columns, one per key field, in the same order. */
  keyColumns: string[];
  relation?: DeclaredRelation;
  /** Scalar fields: what each one reads. */
  scalars: Map<string, ScalarRead>;
  /** Fields that link to other rows or products. */
  links: Map<string, LinkMapping>;
}

/** A field that links to other rows: a reference, a lookup, rows or a connection of a declared type, or a summary of rows. */
export type LinkMapping = Extract<FieldMapping, { reference: string } | { lookup: unknown } | { rows: unknown } | { connection: unknown } | { summary: unknown }>;

/** A scalar field reads a column or a declared expression (selected under an alias). */
export type ScalarRead = { column: string } | { expression: string; alias: string };

export interface DeclaredModel {
  declaration: Declaration;
  document: DocumentNode;
  types: Map<string, TypeModel>;
  /** Each type's fields, as the SDL defines them (extensions merged). */
  sdlFields: Map<string, FieldDefinitionNode[]>;
  /** The key fields of every entity type of the SDL, declared or only referenced. */
  keyFields: Map<string, string[]>;
}

const SCALARS = new Set(['ID', 'String', 'Int', 'Float', 'Boolean']);

export function buildModel(declaration: Declaration, sdl: string): DeclaredModel {
  const document = parse(sdl);
  const sdlFields = objectTypesOf(document);
  const enums = new Set(document.definitions.flatMap((d) => (d.kind === Kind.ENUM_TYPE_DEFINITION ? [d.name.value] : [])));
  const keys = keyFieldsOf(document);
  const types = new Map<string, TypeModel>();
  for (const [name, declared] of Object.entries(declaration.types)) {
    types.set(
      name,
      typeModel(name, declared, sdlFields.get(name) ?? [], keys.get(name), (type) => SCALARS.has(type) || enums.has(type)),
    );
  }
  return { declaration, document, types, sdlFields, keyFields: keys };
}

function typeModel(name: string, declared: DeclaredType, fields: FieldDefinitionNode[], sdlKey: string[] | undefined, isLeaf: (type: string) => boolean): TypeModel {
  const keyColumns = keyColumnsOf(declared);
  const keyFields = sdlKey ?? keyColumns;
  if (keyFields.length !== keyColumns.length)
    throw new ConfigError(MeshErrorCode.DECLARATION_INVALID, `${DECLARATION_FILE} types.${name}.key`, [
      `names ${keyColumns.length} column(s) for the ${keyFields.length} field(s) of ${name}'s @key (${keyFields.join(' ')})`,
    ]);
  const scalars = new Map<string, ScalarRead>();
  const links: TypeModel['links'] = new Map();
  for (const field of fields) {
    const fieldName = field.name.value;
    const mapping = declared.fields[fieldName];
    if (mapping === undefined) {
      // A leaf field not listed reads the column of its own name; a type without a relation
      // (another product's entity) has only its key and the fields it adds.
      const keyAt = keyFields.indexOf(fieldName);
      if (isLeaf(namedTypeOf(field.type)) && (declared.from || keyAt >= 0)) scalars.set(fieldName, { column: declared.from && keyAt >= 0 ? keyColumns[keyAt]! : fieldName });
      continue;
    }
    if (typeof mapping === 'string') scalars.set(fieldName, { column: mapping });
    else if ('column' in mapping && !('reference' in mapping)) scalars.set(fieldName, { column: mapping.column });
    else if ('expression' in mapping) scalars.set(fieldName, { expression: mapping.expression, alias: `mg_${fieldName}` });
    else links.set(fieldName, mapping as LinkMapping);
  }
  return { name, keyFields, keyColumns, relation: declared.from, scalars, links };
}

/** The columns a reference reads: one, or one per field of a composite key. */
export function referenceColumns(link: Extract<LinkMapping, { reference: string }>): string[] {
  return 'columns' in link ? link.columns : [link.column];
}

/** `@key(fields: "id")` (or `"a b"`) of each object type; the first key when there are several. */
function keyFieldsOf(document: DocumentNode): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const key = (definition.directives ?? []).find((directive: ConstDirectiveNode) => directive.name.value === 'key');
    const fields = key?.arguments?.find((arg) => arg.name.value === 'fields')?.value;
    if (fields?.kind === Kind.STRING && !keys.has(definition.name.value)) keys.set(definition.name.value, fields.value.trim().split(/\s+/));
  }
  return keys;
}

/** The relation as SQL for a FROM clause. */
export function relationSql(relation: DeclaredRelation, dialect: SqlDialect): string {
  if ('table' in relation) return dialect.quote(relation.table);
  if ('view' in relation) return dialect.quote(relation.view);
  return `(${relation.query}) mg_relation`;
}

/** The SQL a scalar field reads, for WHERE and ORDER BY. */
export function readSql(read: ScalarRead, dialect: SqlDialect): string {
  return 'column' in read ? dialect.quote(read.column) : `(${read.expression})`;
}

/** The property of a result row a scalar field reads. */
export function rowProperty(read: ScalarRead): string {
  return 'column' in read ? read.column : read.alias;
}

/**
 * The select list of one row of a type: every column its fields read, each once, the key,
 * expressions under their alias, and the columns its links need.
 */
export function selectList(type: TypeModel, dialect: SqlDialect, extraColumns: readonly string[] = []): string {
  const columns = new Set<string>(type.keyColumns);
  const expressions: string[] = [];
  for (const read of type.scalars.values()) {
    if ('column' in read) columns.add(read.column);
    else expressions.push(`(${read.expression}) AS ${dialect.quote(read.alias)}`);
  }
  for (const link of type.links.values()) if ('reference' in link) for (const column of referenceColumns(link)) columns.add(column);
  for (const column of extraColumns) columns.add(column);
  return [...[...columns].map((column) => dialect.quote(column)), ...expressions].join(', ');
}
