import { Kind, parse, type ConstValueNode, type DocumentNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import { linkedDirectiveNames } from './linked-directive-names.ts';

/** A subgraph as the supergraph names it: `join__Graph` enum values with `@join__graph`. */
export interface SupergraphSubgraph {
  name: string;
  url: string;
}

/**
 * Reads the subgraph names and URLs a supergraph routes to; SUPERGRAPH_INVALID when it is not
 * SDL or routes nowhere. The join spec may be linked under another name (`as: "j"`: `j__Graph`, `@j__graph`).
 */
export function subgraphsOf(supergraphSdl: string): SupergraphSubgraph[] {
  let document: DocumentNode;
  try {
    document = parse(supergraphSdl);
  } catch (error) {
    throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Supergraph is not valid SDL: ${(error as Error).message}`);
  }
  const joinGraph = linkedDirectiveNames(document)('https://specs.apollo.dev/join', 'graph');
  const graphEnum = joinGraph.endsWith('__graph') ? `${joinGraph.slice(0, -'graph'.length)}Graph` : 'join__Graph';
  const subgraphs: SupergraphSubgraph[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== graphEnum) continue;
    for (const value of definition.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === joinGraph);
      const arg = (name: string) => stringValue(directive?.arguments?.find((a) => a.name.value === name)?.value);
      subgraphs.push({ name: arg('name') ?? value.name.value.toLowerCase(), url: arg('url') ?? '' });
    }
  }
  if (subgraphs.length === 0) throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, 'Supergraph declares no subgraphs (no join__Graph enum)');
  return subgraphs;
}

function stringValue(node: ConstValueNode | undefined): string | undefined {
  return node?.kind === Kind.STRING ? node.value : undefined;
}
