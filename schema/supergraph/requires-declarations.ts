import { Kind } from 'graphql';
import type { RequiresDeclaration } from './requires-argument-clash.ts';
import { fieldDirectivesNamed, type DefinitionReader } from './definition-reader.ts';
import type { DirectiveNameOf } from './linked-directive-names.ts';

/** Every `@join__field(graph:, requires:)` of the supergraph, by the graph that declares it. */
export function requiresReader(nameOf: DirectiveNameOf): DefinitionReader<RequiresDeclaration[]> {
  const joinField = nameOf('https://specs.apollo.dev/join', 'field');
  const declarations: RequiresDeclaration[] = [];
  return {
    read(definition) {
      for (const { typeName, field, directive } of fieldDirectivesNamed(definition, joinField)) {
        const argument = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
        const requires = argument('requires');
        const graph = argument('graph');
        if (requires?.kind !== Kind.STRING) continue;
        declarations.push({ product: graph?.kind === Kind.ENUM ? graph.value : 'unknown graph', typeName, field: `${typeName}.${field.name.value}`, fieldSet: requires.value });
      }
    },
    done: () => declarations,
  };
}
