import { Kind, parse, print, visit, type DirectiveNode, type ValueNode } from 'graphql';

/**
 * The Federation directives whose supergraph features are `for: SECURITY`. A gateway that
 * does not enforce them must refuse such a supergraph, and vanilla Apollo Gateway does
 * ("feature https://specs.apollo.dev/policy/v0.1 is for: SECURITY but is unsupported").
 * `@inaccessible` is also for SECURITY, but vanilla enforces it, so it stays.
 */
const SECURITY_DIRECTIVES = ['authenticated', 'requiresScopes', 'policy'] as const;

/** The spec URLs of those features, to check a composed supergraph is free of them. */
export const SECURITY_FEATURE_URL = /https:\/\/specs\.apollo\.dev\/(authenticated|requiresScopes|policy)\//;

/**
 * A subgraph SDL without `@authenticated`, `@requiresScopes` and `@policy`: their uses and
 * their entries in `@link(import:)`, also when imported under another name
 * (`{ name: "@policy", as: "@guard" }`) or used unimported (`@federation__policy`).
 * Everything else, descriptions included, is kept as it is.
 */
export function withoutSecurityDirectives(sdl: string): string {
  const document = parse(sdl);
  const removed = new Set<string>(SECURITY_DIRECTIVES.flatMap((name) => [name, `federation__${name}`]));
  const isSecurityImport = (value: ValueNode) => SECURITY_DIRECTIVES.some((name) => importedName(value) === `@${name}`);
  // Aliases first: a schema may use a directive before the @link that imports it.
  visit(document, {
    Directive(node) {
      for (const value of linkImports(node)) {
        const alias = value.kind === Kind.OBJECT ? value.fields.find((f) => f.name.value === 'as')?.value : undefined;
        if (isSecurityImport(value) && alias?.kind === Kind.STRING) removed.add(alias.value.replace(/^@/, ''));
      }
    },
  });
  return print(
    visit(document, {
      Directive(node) {
        if (removed.has(node.name.value)) return null;
        if (!linkImports(node).some(isSecurityImport)) return undefined;
        return {
          ...node,
          arguments: node.arguments?.map((argument) =>
            argument.name.value === 'import' && argument.value.kind === Kind.LIST
              ? { ...argument, value: { ...argument.value, values: argument.value.values.filter((v) => !isSecurityImport(v)) } }
              : argument,
          ),
        };
      },
    }),
  );
}

/** The `import:` list of a `@link`, or nothing for any other directive. */
function linkImports(node: DirectiveNode): readonly ValueNode[] {
  if (node.name.value !== 'link') return [];
  const list = node.arguments?.find((argument) => argument.name.value === 'import')?.value;
  return list?.kind === Kind.LIST ? list.values : [];
}

/** `"@policy"` or `{ name: "@policy", as: … }` both name `@policy`. */
function importedName(value: ValueNode): string | undefined {
  if (value.kind === Kind.STRING) return value.value;
  if (value.kind !== Kind.OBJECT) return undefined;
  const name = value.fields.find((field) => field.name.value === 'name')?.value;
  return name?.kind === Kind.STRING ? name.value : undefined;
}
