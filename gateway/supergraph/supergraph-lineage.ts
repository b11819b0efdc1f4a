import { Kind, parse, print, type ConstDirectiveNode, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { LineageEdge } from '../../schema/contracts/lineage.ts';
import { readContractDirectives, type ContractProduct } from '../../schema/supergraph/contract-directives.ts';
import { linkedDirectiveNames } from '../../schema/supergraph/linked-directive-names.ts';

const JOIN_SPEC = 'https://specs.apollo.dev/join';
const INACCESSIBLE_SPEC = 'https://specs.apollo.dev/inaccessible';

/** One field of the supergraph as lineage sees it. */
export interface LineageField {
  /** `Type.field`. */
  coordinate: string;
  /** The GraphQL type as written, e.g. `[Order!]!`. */
  type: string;
  description: string | undefined;
  /** The products (subgraph names) that resolve it: more than one for shared value types and keys. */
  resolvedBy: readonly string[];
}

/**
 * What the supergraph says about where data comes from, read once per supergraph: which
 * product resolves each field, each product's metadata and published fields, and the
 * fields computed through `@requires` from another product's fields (lineage edges in the
 * shape schema/lineage.ts writes, `product:Type.field`).
 *
 * Only `@requires` edges: schema/lineage.ts also draws `key` edges from the product whose
 * entity a derived product extends, but the supergraph does not say which of the products
 * sharing a key is that one (composition knows it from the declared input ports).
 */
export interface SupergraphLineage {
  fields: ReadonlyMap<string, LineageField>;
  /** Metadata per product, when the supergraph links meshgate's contract spec. */
  products: ReadonlyMap<string, ContractProduct>;
  /** Each product's fields, `Type.field`, in SDL order. */
  fieldsOf: ReadonlyMap<string, readonly LineageField[]>;
  requiresEdges: readonly LineageEdge[];
}

function stringArg(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function enumArg(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.ENUM ? value.value : undefined;
}

function boolArg(directive: ConstDirectiveNode, name: string): boolean {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.BOOLEAN && value.value;
}

/** The leaf paths of a `@requires` field set (`orderSummary { orderCount }` -> `orderSummary.orderCount`). */
function leafPaths(selectionSet: SelectionSetNode, prefix: string[] = []): string[][] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return selection.selectionSet ? leafPaths(selection.selectionSet, [...prefix, selection.name.value]) : [[...prefix, selection.name.value]];
    if (selection.kind === Kind.INLINE_FRAGMENT) return leafPaths(selection.selectionSet, prefix);
    return [];
  });
}

export function readSupergraphLineage(coreSupergraphSdl: string): SupergraphLineage {
  const document: DocumentNode = parse(coreSupergraphSdl);
  const nameOf = linkedDirectiveNames(document);
  const inaccessible = nameOf(INACCESSIBLE_SPEC, 'inaccessible');
  const hidden = (directives: readonly ConstDirectiveNode[] | undefined) => (directives ?? []).some((d) => d.name.value === inaccessible);
  const join = { graph: nameOf(JOIN_SPEC, 'graph'), type: nameOf(JOIN_SPEC, 'type'), field: nameOf(JOIN_SPEC, 'field') };
  // join__Graph enum values name the products: `SALES @join__graph(name: "sales", url: …)`.
  const graphNames = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION) continue;
    for (const value of definition.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === join.graph);
      const name = directive && stringArg(directive, 'name');
      if (name) graphNames.set(value.name.value, name);
    }
  }
  const graphOf = (directive: ConstDirectiveNode) => graphNames.get(enumArg(directive, 'graph') ?? '');
  const fields = new Map<string, LineageField>();
  const requires: { product: string; parent: string; coordinate: string; fieldSet: string }[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const typeGraphs = (definition.directives ?? []).filter((d) => d.name.value === join.type).map(graphOf).filter((g): g is string => g !== undefined);
    // The supergraph's own types (join__*, link__*) have no graph. Internals stay out: a
    // lineage collector is one more client, and @inaccessible is never published.
    if (typeGraphs.length === 0 || hidden(definition.directives)) continue;
    for (const field of definition.fields ?? []) {
      if (hidden(field.directives)) continue;
      const coordinate = `${definition.name.value}.${field.name.value}`;
      const joins = (field.directives ?? []).filter((d) => d.name.value === join.field);
      // No @join__field: every subgraph that defines the type resolves it. Otherwise, the
      // subgraphs that define the field and do not merely mark it @external.
      const resolving = joins.filter((d) => !boolArg(d, 'external') && !boolArg(d, 'usedOverridden'));
      const resolvedBy = joins.length === 0 ? typeGraphs : [...new Set(resolving.map(graphOf).filter((g): g is string => g !== undefined))];
      fields.set(coordinate, { coordinate, type: print(field.type), description: field.description?.value, resolvedBy });
      for (const directive of resolving) {
        const fieldSet = stringArg(directive, 'requires');
        const product = graphOf(directive);
        if (fieldSet && product) requires.push({ product, parent: definition.name.value, coordinate, fieldSet });
      }
    }
  }
  const requiresEdges: LineageEdge[] = [];
  for (const { product, parent, coordinate, fieldSet } of requires) {
    const selection = (parse(`{ ${fieldSet} }`).definitions[0] as { selectionSet: SelectionSetNode }).selectionSet;
    for (const path of leafPaths(selection)) {
      // The source is whoever resolves the first step on the entity (the field the derived
      // product marks @external); the rest of the path is that field's own structure.
      const source = fields.get(`${parent}.${path[0]}`)?.resolvedBy.find((graph) => graph !== product);
      if (source) requiresEdges.push({ from: `${source}:${parent}.${path.join('.')}`, to: `${product}:${coordinate}`, via: 'requires' });
    }
  }
  const fieldsOf = new Map<string, LineageField[]>();
  for (const field of fields.values()) {
    for (const product of field.resolvedBy) {
      const list = fieldsOf.get(product) ?? [];
      list.push(field);
      fieldsOf.set(product, list);
    }
  }
  return { fields, products: readContractDirectives(coreSupergraphSdl).products, fieldsOf, requiresEdges };
}
