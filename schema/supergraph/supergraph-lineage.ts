import { Kind, parse, type ConstDirectiveNode, type SelectionSetNode, type TypeNode } from 'graphql';
import type { ContractProduct } from './contract-directives.ts';
import type { DefinitionReader } from './definition-reader.ts';
import type { DirectiveNameOf } from './linked-directive-names.ts';
import { stringArgument } from '../base/sdl-syntax.ts';

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
 * shape the contract pipeline's lineage writes, `product:Type.field`).
 *
 * Only `@requires` edges: the pipeline's lineage also draws `key` edges from the product whose
 * entity a derived product extends, but the supergraph does not say which of the products
 * sharing a key is that one (composition knows it from the declared input ports).
 */
export interface SupergraphLineage {
  fields: ReadonlyMap<string, LineageField>;
  /** Metadata per product, when the supergraph links meshgate's contract spec. */
  products: ReadonlyMap<string, ContractProduct>;
  /** Each product's fields, `Type.field`, in SDL order. */
  fieldsOf: ReadonlyMap<string, readonly LineageField[]>;
  requiresEdges: readonly RequiresEdge[];
}

/** A field computed through `@requires` from another product's field (`product:Type.field`), as the contract pipeline's lineage writes its edges. */
export interface RequiresEdge {
  from: string;
  to: string;
  via: 'requires';
}

function enumArg(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.ENUM ? value.value : undefined;
}

function boolArg(directive: ConstDirectiveNode, name: string): boolean {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.BOOLEAN && value.value;
}

/** A type reference as written (`[Order!]!`): graphql's `print` walks a visitor for each of the supergraph's thousands of fields. */
function typeText(type: TypeNode): string {
  if (type.kind === Kind.NAMED_TYPE) return type.name.value;
  return type.kind === Kind.LIST_TYPE ? `[${typeText(type.type)}]` : `${typeText(type.type)}!`;
}

/** The leaf paths of a `@requires` field set (`orderSummary { orderCount }` -> `orderSummary.orderCount`). */
function leafPaths(selectionSet: SelectionSetNode, prefix: string[] = []): string[][] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return selection.selectionSet ? leafPaths(selection.selectionSet, [...prefix, selection.name.value]) : [[...prefix, selection.name.value]];
    if (selection.kind === Kind.INLINE_FRAGMENT) return leafPaths(selection.selectionSet, prefix);
    return [];
  });
}

/**
 * Reads lineage in the model's walk. Fields are kept with the `join__Graph` values that
 * resolve them, and named once the walk has given every graph its name.
 */
export function lineageReader(nameOf: DirectiveNameOf): DefinitionReader<SupergraphLineage, { graphNames: ReadonlyMap<string, string>; products: ReadonlyMap<string, ContractProduct> }> {
  const inaccessible = nameOf(INACCESSIBLE_SPEC, 'inaccessible');
  const hidden = (directives: readonly ConstDirectiveNode[] | undefined) => (directives ?? []).some((d) => d.name.value === inaccessible);
  const join = { type: nameOf(JOIN_SPEC, 'type'), field: nameOf(JOIN_SPEC, 'field') };
  // What the walk notes, kept until lineage is first asked for: as little per field as naming it then needs.
  const read: { parent: string; name: string; type: string; description: string | undefined; graphs: readonly string[]; requires: { graph: string; fieldSet: string }[] | undefined }[] = [];
  return {
    read(definition) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) return;
      const typeGraphs = (definition.directives ?? []).filter((d) => d.name.value === join.type).flatMap((d) => enumArg(d, 'graph') ?? []);
      // The supergraph's own types (join__*, link__*) have no graph. Internals stay out: a
      // lineage collector is one more client, and @inaccessible is never published.
      if (typeGraphs.length === 0 || hidden(definition.directives)) return;
      for (const field of definition.fields ?? []) {
        if (hidden(field.directives)) continue;
        const joins = (field.directives ?? []).filter((d) => d.name.value === join.field);
        // No @join__field: every subgraph that defines the type resolves it. Otherwise, the
        // subgraphs that define the field and do not merely mark it @external.
        const resolving = joins.filter((d) => !boolArg(d, 'external') && !boolArg(d, 'usedOverridden'));
        const requires = resolving.flatMap((d) => {
          const fieldSet = stringArgument(d, 'requires');
          const graph = enumArg(d, 'graph');
          return fieldSet && graph ? [{ graph, fieldSet }] : [];
        });
        read.push({
          parent: definition.name.value,
          name: field.name.value,
          type: typeText(field.type),
          description: field.description?.value,
          graphs: joins.length === 0 ? typeGraphs : resolving.flatMap((d) => enumArg(d, 'graph') ?? []),
          requires: requires.length > 0 ? requires : undefined,
        });
      }
    },
    done({ graphNames, products }) {
      const named = (graphs: readonly string[]) => [...new Set(graphs.flatMap((graph) => graphNames.get(graph) ?? []))];
      const fields = new Map<string, LineageField>();
      for (const field of read) {
        const coordinate = `${field.parent}.${field.name}`;
        fields.set(coordinate, { coordinate, type: field.type, description: field.description, resolvedBy: named(field.graphs) });
      }
      const requiresEdges: RequiresEdge[] = [];
      for (const { parent, name, requires } of read) {
        const coordinate = `${parent}.${name}`;
        for (const { graph, fieldSet } of requires ?? []) {
          const product = graphNames.get(graph);
          if (!product) continue;
          for (const path of leafPaths(fieldSetSelection(fieldSet))) {
            // The source is whoever resolves the first step on the entity (the field the derived
            // product marks @external); the rest of the path is that field's own structure.
            const source = fields.get(`${parent}.${path[0]}`)?.resolvedBy.find((resolver) => resolver !== product);
            if (source) requiresEdges.push({ from: `${source}:${parent}.${path.join('.')}`, to: `${product}:${coordinate}`, via: 'requires' });
          }
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
      return { fields, products, fieldsOf, requiresEdges };
    },
  };
}

/** A `@requires` field set's selection; one that does not parse selects nothing here (Apollo's own build refuses it with its reason). */
function fieldSetSelection(fieldSet: string): SelectionSetNode {
  try {
    return (parse(`{ ${fieldSet} }`, { noLocation: true }).definitions[0] as { selectionSet: SelectionSetNode }).selectionSet;
  } catch {
    return { kind: Kind.SELECTION_SET, selections: [] };
  }
}
