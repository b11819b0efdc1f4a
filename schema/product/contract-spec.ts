/**
 * meshgate's own `@link` spec: the directives that carry a product's contract (its
 * metadata, each field's classification, what an argument exposes) from the product's
 * SDL through composition into the supergraph, so that a gateway needs nothing but the
 * supergraph. Composition keeps them because every subgraph lists them in
 * `@composeDirective`.
 *
 * Products link the spec without `import` or `as`, so the directives keep one name in
 * every subgraph and in the supergraph: `@meshgate__exposes`. Apollo refuses to import a
 * directive under a name that looks namespaced, and one name everywhere keeps the gateway's
 * reader free of renames.
 */
export const CONTRACT_SPEC_IDENTITY = 'https://meshgate.dev/meshgate';
const CONTRACT_SPEC_VERSION = 'v0.1';
export const CONTRACT_SPEC_URL = `${CONTRACT_SPEC_IDENTITY}/${CONTRACT_SPEC_VERSION}`;

/** Directive names, without `@`, as they appear in subgraphs and in the supergraph. */
export const CONTRACT_DIRECTIVES = {
  /** Product metadata, once per product on the schema. */
  product: 'meshgate__product',
  /** The classification of a field the descriptor classifies: unmarked fields were never classified. */
  classified: 'meshgate__classified',
  /** On an argument or input field: filtering, sorting or paging by it reveals the named `Type.field`. */
  exposes: 'meshgate__exposes',
  /** A named policy of central governance, once per policy on the schema: what `@policy(policies: [["name"]])` asks of a caller. */
  policy: 'meshgate__policy',
} as const;

/**
 * The one definition of each directive. A product that uses `@meshgate__exposes` copies
 * its definition into its SDL (its own server needs it); composition adds the rest.
 */
export const CONTRACT_DIRECTIVE_DEFINITIONS: Readonly<Record<keyof typeof CONTRACT_DIRECTIVES, string>> = {
  product:
    'directive @meshgate__product(name: String!, version: String!, status: String!, domain: String!, ownerTeam: String!, ownerContact: String!, freshness: String!, availability: String!, description: String) repeatable on SCHEMA',
  classified: 'directive @meshgate__classified(level: String!) on FIELD_DEFINITION',
  exposes: 'directive @meshgate__exposes(field: String!) repeatable on ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION',
  policy: 'directive @meshgate__policy(name: String!, requiresScopes: [String!]!, requiresAuthentication: Boolean!) repeatable on SCHEMA',
};

/** The `@tag(name:)` that marks a preview field: only callers who opt in see it, and compatibility checks do not bind it. */
export const PREVIEW_TAG = 'preview';
