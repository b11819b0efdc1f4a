import { parse, type DocumentNode } from 'graphql';
import { CONTRACT_SPEC_IDENTITY } from '../product/contract-spec.ts';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import { contractReader, type ContractDirectives } from './contract-directives.ts';
import { costReader, type CostDirectives } from './cost-directives.ts';
import { linkedDirectiveNames, linksSpec } from './linked-directive-names.ts';
import { oneByteNamesReader } from './one-byte-names.ts';
import { overrideLabelsReader } from './override-labels.ts';
import { accessReader, previewFieldsOf, type FieldDirectives } from './supergraph-directives.ts';
import { lineageReader, type SupergraphLineage } from './supergraph-lineage.ts';
import { subgraphsReader, type SupergraphSubgraph } from './supergraph-subgraphs.ts';

/**
 * Everything meshgate reads from one supergraph, read once: the gateway builds it when a
 * supergraph arrives and hands the same object to admission and every stage that serves it;
 * the registry builds it to admit a build. Nothing else parses the supergraph's SDL.
 * Immutable: a reload builds a new model, and a consumer swaps it in whole.
 */
export interface SupergraphModel {
  /** The core supergraph SDL the model was read from (the very string, not a copy). */
  readonly sdl: string;
  /** The products it routes to, with their routing URLs. */
  readonly subgraphs: readonly SupergraphSubgraph[];
  /** Product metadata, classifications, exposures and named policies composition compiled in. */
  readonly contract: ContractDirectives;
  /** `@authenticated`, `@requiresScopes`, `@policy` and the preview tag of every field that carries one, by `Type.field`. */
  readonly access: ReadonlyMap<string, FieldDirectives>;
  /** Every `Type.field` a client can select (not `@inaccessible`). */
  readonly served: readonly string[];
  /** The `Type.field`s tagged preview. */
  readonly previewFields: ReadonlySet<string>;
  /** `@cost` and `@listSize`. */
  readonly cost: CostDirectives;
  /** Progressive `@override` labels, each with the names of the fields it moves. */
  readonly overrideLabels: ReadonlyMap<string, ReadonlySet<string>>;
  /** Which product resolves each field, and the `@requires` edges between products. */
  readonly lineage: SupergraphLineage;
  /** Every declared name as a one-byte string, held so that answers keyed by them serialize one-byte (`oneByteNamesReader`). */
  readonly names: Readonly<Record<string, true>>;
}

let reads = 0;

/** How many supergraphs have been read in this process: a test's proof that a load reads its supergraph once. */
export function supergraphModelReads(): number {
  return reads;
}

/**
 * The supergraph's one parse, without locations: nothing reports a position in the supergraph,
 * and they would double the tree's size (and Apollo keeps the tree it builds from). Throws
 * SUPERGRAPH_INVALID when the SDL does not parse.
 */
export function parseSupergraph(sdl: string): DocumentNode {
  try {
    return parse(sdl, { noLocation: true });
  } catch (error) {
    throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Supergraph is not valid SDL: ${(error as Error).message}`);
  }
}

/**
 * Reads a core supergraph SDL into its model: one parse (or `document`, the parse a caller
 * made of this very SDL to hand Apollo's build too), then one walk over its definitions in
 * which each concern's reader takes what it needs. Throws SUPERGRAPH_INVALID when the SDL does
 * not parse, routes nowhere, or carries a contract the gateway cannot apply.
 */
export function readSupergraphModel(sdl: string, document: DocumentNode = parseSupergraph(sdl)): SupergraphModel {
  reads++;
  const nameOf = linkedDirectiveNames(document);
  const graphs = subgraphsReader(nameOf);
  const contract = contractReader(linksSpec(document, CONTRACT_SPEC_IDENTITY), nameOf);
  const access = accessReader(nameOf);
  const cost = costReader();
  const overrideLabels = overrideLabelsReader(nameOf);
  let lineage: ReturnType<typeof lineageReader> | undefined = lineageReader(nameOf);
  // First: a name another reader keys something by is then already the one-byte copy.
  const names = oneByteNamesReader(sdl);
  const readers = [names, graphs, contract, access, cost, overrideLabels, lineage];
  for (const definition of document.definitions) for (const reader of readers) reader.read(definition);
  // Refusals in the order admission has always named them: no products first, then the contract.
  const { subgraphs, nameOf: graphNames } = graphs.done();
  const contractDirectives = contract.done();
  const { directives, served } = access.done();
  // Lineage is read by the OpenLineage emitter and enforced agreements alone, both off by
  // default: the fields its walk noted are named and indexed the first time one asks, and then
  // let go (the getter's scope would otherwise hold them for the model's life).
  let lineageRead: SupergraphLineage | undefined;
  return Object.freeze({
    sdl,
    subgraphs,
    contract: contractDirectives,
    access: directives,
    served,
    previewFields: previewFieldsOf(directives),
    cost: cost.done(),
    overrideLabels: overrideLabels.done(),
    get lineage() {
      if (lineage) {
        lineageRead = lineage.done({ graphNames, products: contractDirectives.products });
        lineage = undefined;
      }
      return lineageRead as SupergraphLineage;
    },
    names: names.done(),
  });
}
