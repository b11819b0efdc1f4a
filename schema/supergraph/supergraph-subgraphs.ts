import { Kind, type ConstValueNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import type { DefinitionReader } from './definition-reader.ts';
import type { DirectiveNameOf } from './linked-directive-names.ts';

/** A subgraph as the supergraph names it: `join__Graph` enum values with `@join__graph`. */
export interface SupergraphSubgraph {
  name: string;
  url: string;
}

export interface SupergraphGraphs {
  subgraphs: readonly SupergraphSubgraph[];
  /** The subgraph's name by its `join__Graph` value (`SALES` -> `sales`): what `@join__type(graph:)` and `@join__field(graph:)` say. */
  nameOf: ReadonlyMap<string, string>;
}

/**
 * Reads the subgraph names and URLs a supergraph routes to; SUPERGRAPH_INVALID when it routes
 * nowhere. The join spec may be linked under another name (`as: "j"`: `j__Graph`, `@j__graph`).
 */
export function subgraphsReader(nameOf: DirectiveNameOf): DefinitionReader<SupergraphGraphs> {
  const joinGraph = nameOf('https://specs.apollo.dev/join', 'graph');
  const graphEnum = joinGraph.endsWith('__graph') ? `${joinGraph.slice(0, -'graph'.length)}Graph` : 'join__Graph';
  const subgraphs: SupergraphSubgraph[] = [];
  const names = new Map<string, string>();
  return {
    read(definition) {
      if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== graphEnum) return;
      for (const value of definition.values ?? []) {
        const directive = value.directives?.find((d) => d.name.value === joinGraph);
        const arg = (name: string) => stringValue(directive?.arguments?.find((a) => a.name.value === name)?.value);
        const name = arg('name') ?? value.name.value.toLowerCase();
        subgraphs.push({ name, url: arg('url') ?? '' });
        names.set(value.name.value, name);
      }
    },
    done() {
      if (subgraphs.length === 0) throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, 'Supergraph declares no subgraphs (no join__Graph enum)');
      return { subgraphs, nameOf: names };
    },
  };
}

function stringValue(node: ConstValueNode | undefined): string | undefined {
  return node?.kind === Kind.STRING ? node.value : undefined;
}
