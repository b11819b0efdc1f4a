import { Kind } from 'graphql';
import { fieldDirectivesNamed, type DefinitionReader } from './definition-reader.ts';
import type { DirectiveNameOf } from './linked-directive-names.ts';

/** The override labels a supergraph uses (`@join__field(..., overrideLabel: "…")`), each with the names of the fields it moves, sorted by label. */
export function overrideLabelsReader(nameOf: DirectiveNameOf): DefinitionReader<ReadonlyMap<string, ReadonlySet<string>>> {
  const joinField = nameOf('https://specs.apollo.dev/join', 'field');
  const labels = new Map<string, Set<string>>();
  return {
    read(definition) {
      for (const { field, directive } of fieldDirectivesNamed(definition, joinField)) {
        const label = directive.arguments?.find((a) => a.name.value === 'overrideLabel')?.value;
        if (label?.kind !== Kind.STRING) continue;
        const fields = labels.get(label.value) ?? new Set<string>();
        fields.add(field.name.value);
        labels.set(label.value, fields);
      }
    },
    done: () => new Map([...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}
