import { Kind } from 'graphql';
import type { RequiresDeclaration } from '../requires-argument-clash.ts';
import type { DefinitionReader } from './definition-reader.ts';
import type { DirectiveNameOf } from './linked-directive-names.ts';

/** Every `@join__field(graph:, requires:)` of the supergraph, by the graph that declares it. */
export function requiresReader(nameOf: DirectiveNameOf): DefinitionReader<RequiresDeclaration[]> {
  const joinField = nameOf('https://specs.apollo.dev/join', 'field');
  const declarations: RequiresDeclaration[] = [];
  return {
    read(definition) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_EXTENSION) return;
      for (const field of definition.fields ?? []) {
        for (const directive of field.directives ?? []) {
          if (directive.name.value !== joinField) continue;
          const argument = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
          const requires = argument('requires');
          const graph = argument('graph');
          if (requires?.kind !== Kind.STRING) continue;
          declarations.push({
            product: graph?.kind === Kind.ENUM ? graph.value : 'unknown graph',
            typeName: definition.name.value,
            field: `${definition.name.value}.${field.name.value}`,
            fieldSet: requires.value,
          });
        }
      }
    },
    done: () => declarations,
  };
}
