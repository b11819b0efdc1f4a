import type { DocumentNode, GraphQLSchema } from 'graphql';

/**
 * Per-document analyses computed once per distinct operation instead of once per request.
 * Apollo Server caches parsed documents by query text, so a repeated query arrives as the
 * same DocumentNode object; an analysis that is a pure function of the document (and the
 * schema it is read against) is kept beside it in a WeakMap and dies with it. A document
 * the access rules pruned is a new object per request and is simply analysed afresh.
 */
export function memoizeByDocument<T>(analyse: (document: DocumentNode) => T): (document: DocumentNode) => T {
  const results = new WeakMap<DocumentNode, T>();
  return (document) => {
    if (results.has(document)) return results.get(document)!;
    const result = analyse(document);
    results.set(document, result);
    return result;
  };
}

/** {@link memoizeByDocument} for an analysis that also reads the schema (a reload brings a new one). */
export function memoizeBySchemaAndDocument<T>(analyse: (schema: GraphQLSchema, document: DocumentNode) => T): (schema: GraphQLSchema, document: DocumentNode) => T {
  const bySchema = new WeakMap<GraphQLSchema, (document: DocumentNode) => T>();
  return (schema, document) => {
    let forSchema = bySchema.get(schema);
    if (!forSchema) bySchema.set(schema, (forSchema = memoizeByDocument((doc) => analyse(schema, doc))));
    return forSchema(document);
  };
}
