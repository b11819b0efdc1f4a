import { collectReads, sourceOf } from './boundary.ts';
import { admits, describeCaller, describeReaders, meshClassifications, meshReaders, type Holding, type Readers } from './field-readers.ts';
import { finding, type Finding } from './finding.ts';
import type { Governance } from './governance.ts';
import type { ValidProduct } from './mesh.ts';
import { isPublishedType, publishedOutputFields, type SubgraphModel, type TypeModel } from '../product/subgraph-model.ts';

/**
 * Rules that ask whether a field's restriction holds at all: whether a caller can learn a
 * classified value through an argument instead of the field, and whether the field is
 * computed from data anyone with fewer rights may read and re-derive it from.
 */

function publishedCoordinates(products: readonly ValidProduct[]): Set<string> {
  return new Set(products.flatMap((product) => [...publishedOutputFields(product.model)].map((field) => field.coordinate)));
}

/** The type a list field hands out: a connection's node type, else the field's own type. */
function listedType(model: SubgraphModel, typeName: string): TypeModel | undefined {
  const type = model.types.get(typeName);
  const edges = type?.fields.get('edges');
  const node = edges ? model.types.get(edges.returnType)?.fields.get('node') : undefined;
  return node ? model.types.get(node.returnType) : type;
}

/**
 * Every `@meshgate__exposes` names a published field, and an argument or filter input field
 * named after a classified field of the type it lists declares what it exposes: a caller
 * who may not read `Customer.country` must not learn it by filtering on it either.
 */
export function lintExposures(products: readonly ValidProduct[]): Finding[] {
  const published = publishedCoordinates(products);
  const levels = meshClassifications(products);
  const findings: Finding[] = [];
  for (const product of products) {
    const { model } = product;
    const check = (coordinate: string, name: string, exposes: readonly string[], listed: TypeModel | undefined) => {
      for (const exposed of exposes) {
        if (published.has(exposed)) continue;
        findings.push(
          finding(
            product.name,
            coordinate,
            'lint/exposes-unknown-field',
            `${coordinate} declares it exposes ${exposed}, which no product publishes`,
            `Name a published Type.field in @meshgate__exposes(field: ...) on ${coordinate}.`,
          ),
        );
      }
      const namesake = listed ? `${listed.name}.${name}` : undefined;
      const level = namesake ? levels.get(namesake) : undefined;
      if (exposes.length === 0 && namesake && level && level !== 'public') {
        findings.push(
          finding(
            product.name,
            coordinate,
            'lint/exposes-undeclared',
            `${coordinate} filters by ${namesake} (${level}) but does not declare it`,
            `Add @meshgate__exposes(field: "${namesake}") to ${coordinate}, so the gateway asks for the rights to read ${namesake}.`,
          ),
        );
      }
    };
    for (const type of model.types.values()) {
      if (!isPublishedType(type) || (type.kind !== 'object' && type.kind !== 'interface')) continue;
      for (const field of type.fields.values()) {
        if (field.inaccessible || field.external) continue;
        const listed = listedType(model, field.returnType);
        for (const arg of field.args) {
          if (arg.inaccessible) continue;
          check(arg.coordinate, arg.name, arg.exposes, listed);
          const input = model.types.get(arg.inputType);
          if (input?.kind !== 'input') continue;
          for (const inputField of input.fields.values()) {
            if (!inputField.inaccessible) check(inputField.coordinate, inputField.name, inputField.exposes, listed);
          }
        }
      }
    }
  }
  // An input type used by two fields is checked once per use; report it once.
  return [...new Map(findings.map((f) => [`${f.product}|${f.element}|${f.rule}|${f.message}`, f])).values()];
}

/** At most this many ways of reading a field's inputs are tried: alternatives multiply, and real fields have a handful. */
const MAX_WAYS = 4096;

/**
 * A caller who may read every input and whom `output` refuses, or undefined when there is
 * none. Each way of reading the inputs (one alternative per input) is tried with the least
 * a caller must hold for it; holding more only admits more, so if that caller is admitted
 * to the output, every caller reading the inputs that way is.
 */
function readerOfInputsRefused(output: Readers, inputs: readonly Readers[]): Holding | undefined {
  let ways: Holding[] = [new Set()];
  for (const input of inputs) {
    // An input nobody may read: nobody re-derives the output from it.
    if (input.anyOf.length === 0) return undefined;
    ways = ways.flatMap((held) => input.anyOf.map((needed) => new Set([...held, ...needed])));
    if (ways.length > MAX_WAYS) ways = ways.slice(0, MAX_WAYS);
  }
  return ways.find((held) => !admits(output, held));
}

/**
 * A field restricted more strictly than the data it is computed from protects nothing: a
 * caller who may read all its inputs and is refused the field computes it. Inputs are what
 * `@requires` reads (lineage) and what the descriptor's `derivedFrom` declares. Who may read
 * is every access element the gateway enforces (see `meshReaders`): classifications,
 * `@authenticated`, `@requiresScopes` and `@policy`, not classification levels alone.
 */
export function lintIneffectiveRestrictions(products: readonly ValidProduct[], governance: Governance): Finding[] {
  const published = publishedCoordinates(products);
  const readersOf = meshReaders(products, governance);
  const findings: Finding[] = [];
  for (const product of products) {
    const inputs = new Map<string, Set<string>>();
    const addInput = (field: string, source: string) => inputs.set(field, (inputs.get(field) ?? new Set()).add(source));
    for (const read of collectReads(product)) {
      // Every field on the path counts: reading `orderSummary { lastOrderDate }` reads `orderSummary` too.
      if (read.via === 'requires' && read.readBy && sourceOf(read, product, products)) addInput(read.readBy, read.coordinate);
    }
    for (const [coordinate, policy] of Object.entries(product.descriptor.fields)) {
      for (const source of policy.derivedFrom ?? []) {
        if (published.has(source)) addInput(coordinate, source);
        else
          findings.push(
            finding(
              product.name,
              coordinate,
              'lint/derived-from-unknown-field',
              `product.yaml says ${coordinate} is derived from ${source}, which no product publishes`,
              `Name published Type.field coordinates in fields.${coordinate}.derivedFrom.`,
            ),
          );
      }
    }
    for (const [coordinate, sources] of inputs) {
      const output = readersOf(coordinate);
      const witness = readerOfInputsRefused(output, [...sources].map(readersOf));
      if (!witness) continue;
      const named = [...sources].map((source) => `${source} (${describeReaders(readersOf(source))})`).join(', ');
      findings.push(
        finding(
          product.name,
          coordinate,
          'lint/ineffective-restriction',
          `${coordinate} is restricted (${[...new Set(output.because)].join(', ')}) but ${describeCaller(witness)} may read every field it is computed from and re-derive it: ${named}`,
          `Restrict at least one of those inputs as ${coordinate} is (a stricter rule is a breaking change: a major version), or compute ${coordinate} from inputs that carry its restriction.`,
        ),
      );
    }
  }
  return findings;
}
