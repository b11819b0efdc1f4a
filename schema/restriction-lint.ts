import { collectReads, sourceOf } from './boundary.ts';
import { CLASSIFICATIONS, type Classification } from './descriptor.ts';
import { finding, type Finding } from './finding.ts';
import type { Governance } from './governance.ts';
import type { ValidProduct } from './mesh.ts';
import { isPublishedType, publishedOutputFields, type SubgraphModel, type TypeModel } from './subgraph-model.ts';

/**
 * Rules that ask whether a field's restriction holds at all: whether a caller can learn a
 * classified value through an argument instead of the field, and whether the field is
 * computed from data anyone with fewer rights may read and re-derive it from.
 */

/** The classification of every classified field of the mesh; the strictest where two products classify one, as the gateway enforces it. */
function meshClassifications(products: readonly ValidProduct[]): Map<string, Classification> {
  const levels = new Map<string, Classification>();
  for (const product of products) {
    for (const [coordinate, policy] of Object.entries(product.descriptor.fields)) {
      const known = levels.get(coordinate);
      if (!known || CLASSIFICATIONS.indexOf(policy.classification) > CLASSIFICATIONS.indexOf(known)) levels.set(coordinate, policy.classification);
    }
  }
  return levels;
}

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
        findings.push(finding(product.name, coordinate, 'lint/exposes-unknown-field', `${coordinate} declares it exposes ${exposed}, which no product publishes`, `Name a published Type.field in @meshgate__exposes(field: ...) on ${coordinate}.`));
      }
      const namesake = listed ? `${listed.name}.${name}` : undefined;
      const level = namesake ? levels.get(namesake) : undefined;
      if (exposes.length === 0 && namesake && level && level !== 'public') {
        findings.push(
          finding(product.name, coordinate, 'lint/exposes-undeclared', `${coordinate} filters by ${namesake} (${level}) but does not declare it`, `Add @meshgate__exposes(field: "${namesake}") to ${coordinate}, so the gateway asks for the rights to read ${namesake}.`),
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

/** What a classification asks of a caller, as the gateway enforces it. */
interface Requirement {
  authenticated: boolean;
  scopes: ReadonlySet<string>;
}

function requirement(governance: Governance, level: Classification): Requirement {
  return { authenticated: governance.authenticatedClassifications.includes(level), scopes: new Set(governance.classificationScopes[level]) };
}

/**
 * A field classified more strictly than the data it is computed from protects nothing:
 * anyone who may read all its inputs can compute it. Inputs are what `@requires` reads
 * (lineage) and what the descriptor's `derivedFrom` declares.
 */
export function lintIneffectiveRestrictions(products: readonly ValidProduct[], governance: Governance): Finding[] {
  const levels = meshClassifications(products);
  const published = publishedCoordinates(products);
  const findings: Finding[] = [];
  for (const product of products) {
    const inputs = new Map<string, Set<string>>();
    const addInput = (field: string, source: string) => inputs.set(field, (inputs.get(field) ?? new Set()).add(source));
    for (const read of collectReads(product)) {
      if (read.via === 'requires' && read.leaf && read.readBy && sourceOf(read, product, products)) addInput(read.readBy, read.coordinate);
    }
    for (const [coordinate, policy] of Object.entries(product.descriptor.fields)) {
      for (const source of policy.derivedFrom ?? []) {
        if (published.has(source)) addInput(coordinate, source);
        else findings.push(finding(product.name, coordinate, 'lint/derived-from-unknown-field', `product.yaml says ${coordinate} is derived from ${source}, which no product publishes`, `Name published Type.field coordinates in fields.${coordinate}.derivedFrom.`));
      }
    }
    for (const [coordinate, sources] of inputs) {
      const level = product.descriptor.fields[coordinate]?.classification;
      // An unclassified field is lint/field-classification's finding; an unclassified input has no level to compare.
      const known = [...sources].flatMap((source) => {
        const sourceLevel = levels.get(source);
        return sourceLevel ? [{ source, level: sourceLevel }] : [];
      });
      if (!level || known.length === 0) continue;
      const needed = requirement(governance, level);
      const held = known.map((input) => requirement(governance, input.level));
      const heldScopes = new Set(held.flatMap((r) => [...r.scopes]));
      const missing = [...needed.scopes].filter((scope) => !heldScopes.has(scope));
      if (missing.length === 0 && (!needed.authenticated || held.some((r) => r.authenticated))) continue;
      const named = known.map((input) => `${input.source} (${input.level})`).join(' and ');
      const readers = known.map((input) => input.source).join(' and ');
      findings.push(
        finding(
          product.name,
          coordinate,
          'lint/ineffective-restriction',
          `${coordinate} is ${level} but is computed from ${named}: anyone who may read ${readers} can re-derive it`,
          `Classify ${coordinate} no more strictly than its inputs, or raise the classification of ${readers} (each change needs a major version).`,
        ),
      );
    }
  }
  return findings;
}
