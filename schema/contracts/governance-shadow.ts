import { Kind, visit, type DocumentNode } from 'graphql';
import { governedChangeId } from './access-diff.ts';
import { CONTRACT_DIRECTIVES } from '../product/contract-spec.ts';
import { finding, type Finding } from './finding.ts';

/** Ours that only composition writes, from the descriptor and central governance: a product never applies them. */
const COMPILED_IN: ReadonlySet<string> = new Set([CONTRACT_DIRECTIVES.product, CONTRACT_DIRECTIVES.classified, CONTRACT_DIRECTIVES.policy]);

/** Federation's access directives: a product imports them, never defines its own under their names. */
const ACCESS_DIRECTIVES: ReadonlySet<string> = new Set(['authenticated', 'requiresScopes', 'policy', 'inaccessible']);

/**
 * Definitions that shadow governance: a product applying a directive that composition
 * compiles in from governance (a policy of its own named like a governance policy, a
 * classification, product metadata), or defining a directive under the name of an access
 * directive or of federation's namespace, so that what reads like an access rule is not
 * one. A gateway would refuse the build (a policy defined twice) or enforce nothing.
 * Only a platform approval lets such a change through.
 */
export function governanceShadows(product: string, version: string, document: DocumentNode): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (element: string, message: string, fix: string) => {
    if (seen.has(`${element}\u0000${message}`)) return;
    seen.add(`${element}\u0000${message}`);
    const change = governedChangeId(product, version, element, message);
    findings.push({ ...finding(product, element, 'ownership/governance-shadowed', `${message} (governed change ${change}; only a platform approval lets it through)`, fix), change });
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.DIRECTIVE_DEFINITION) continue;
    const name = definition.name.value;
    if (ACCESS_DIRECTIVES.has(name) || name.startsWith('federation__')) {
      add(
        `@${name}`,
        `schema.graphql defines its own @${name}: it shadows federation's access directive, so the rule it reads as is not enforced`,
        `Remove the definition and import @${name} from the federation @link.`,
      );
    }
  }
  visit(document, {
    Directive(node) {
      if (COMPILED_IN.has(node.name.value)) {
        add(
          `@${node.name.value}`,
          `schema.graphql applies @${node.name.value}, which composition compiles in from the descriptor and central governance: it would shadow governance`,
          `Remove @${node.name.value}; classifications go in product.yaml, policies in central governance.`,
        );
      }
    },
  });
  return findings;
}
