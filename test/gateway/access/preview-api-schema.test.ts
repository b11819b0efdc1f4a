import { buildSchema, graphqlSync, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { previewApiSchema } from '../../../gateway/access/preview-api-schema.ts';

/**
 * The schema a caller without the preview opt-in introspects: preview fields gone, and
 * the types only they reached gone with them, while everything still reachable stays.
 */
const SCHEMA = buildSchema(`
  interface Node { id: ID! }
  type Product implements Node { id: ID! name: String audit(filter: AuditFilter): Audit rating: Rating }
  type Audit { score: Int findings: [Finding!]! }
  type Finding { text: String }
  input AuditFilter { since: String }
  enum Rating { GOOD BAD }
  "Reached only through the Node interface: it must stay."
  type Warehouse implements Node { id: ID! }
  type Query { product(id: ID!): Product node(id: ID!): Node ratings: [Rating!]! }
`);
const PREVIEW = new Set(['Product.audit', 'Query.ratings']);

describe('previewApiSchema', () => {
  const { schema, hiddenNames } = previewApiSchema(SCHEMA, PREVIEW);

  it('removes preview fields and the types only they reach', () => {
    const sdl = printSchema(schema);
    expect(sdl).not.toMatch(/\baudit\b|\bAudit\b|\bFinding\b|\bAuditFilter\b|\bratings\b/);
    expect(schema.getType('Audit')).toBeUndefined();
    expect(schema.getType('Finding')).toBeUndefined();
    expect(schema.getType('AuditFilter')).toBeUndefined();
  });

  it('keeps a type a preview field shares with a stable one, and implementations of a reachable interface', () => {
    expect(schema.getType('Rating')).toBeDefined(); // Product.rating still returns it
    expect(schema.getType('Warehouse')).toBeDefined();
    expect(Object.keys((schema.getType('Product') as { getFields(): object }).getFields())).toEqual(['id', 'name', 'rating']);
  });

  it('answers introspection as if the preview fields had never existed', () => {
    const result = graphqlSync({ schema, source: '{ audit: __type(name: "Audit") { name } finding: __type(name: "Finding") { name } __schema { types { name } } }' });
    expect(result.errors).toBeUndefined();
    expect(result.data?.audit).toBeNull();
    expect(result.data?.finding).toBeNull();
    expect(JSON.stringify(result.data)).not.toMatch(/Audit|Finding/);
  });

  it('names what is hidden: the preview fields, their arguments and the removed types', () => {
    expect([...hiddenNames].sort()).toEqual(['Audit', 'AuditFilter', 'Finding', 'audit', 'filter', 'ratings']);
  });

  it('is built once per schema and set of preview fields', () => {
    expect(previewApiSchema(SCHEMA, PREVIEW).schema).toBe(schema);
  });
});
