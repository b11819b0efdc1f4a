import { federationDirectiveNames } from './contract-compiler.ts';
import type { Governance } from './governance.ts';
import { finding, type Finding, type RuleId } from './finding.ts';
import type { ValidProduct } from './mesh.ts';
import { isObjectOrInterface, isPublishedField, isPublishedType, publishedOutputFields, ROOT_TYPES, sunsetDate, type SubgraphModel } from '../product/subgraph-model.ts';

const CONTACT = /^(?:[^@\s]+@[^@\s]+\.[^@\s]+|https:\/\/\S+)$/;

/**
 * The central lint rules of `schema/governance.yaml`, applied to one product. Every
 * product gets the same rules: nothing in a descriptor can switch one off.
 */
export function lintProduct(product: ValidProduct, governance: Governance): Finding[] {
  const { lint } = governance;
  const findings: Finding[] = [];
  const report = (element: string, rule: RuleId, message: string, fix: string) => findings.push(finding(product.name, element, rule, message, fix));
  const naming = {
    type: new RegExp(lint.naming.type),
    field: new RegExp(lint.naming.field),
    argument: new RegExp(lint.naming.argument),
    enumValue: new RegExp(lint.naming.enumValue),
  };
  const checkName = (coordinate: string, name: string, pattern: RegExp, rule: RuleId, what: string) => {
    if (!pattern.test(name)) report(coordinate, rule, `${what} name "${name}" does not match ${pattern.source}`, `Rename ${coordinate} to match ${pattern.source}.`);
  };
  const checkDescription = (coordinate: string, description: string | undefined, rule: RuleId, what: string) => {
    if (lint.requireDescriptions && !description) report(coordinate, rule, `${what} ${coordinate} has no description`, `Add a description string above ${coordinate} in schema.graphql.`);
  };
  const checkDeprecation = (coordinate: string, reason: string | undefined) => {
    if (lint.requireSunsetOnDeprecation && reason !== undefined && !sunsetDate(reason)) {
      report(
        coordinate,
        'lint/deprecation-sunset',
        `${coordinate} is deprecated without a sunset date (reason: "${reason}")`,
        `Name the sunset in the reason, e.g. @deprecated(reason: "Use x instead. Sunset YYYY-MM-DD").`,
      );
    }
  };

  for (const type of product.model.types.values()) {
    if (!isPublishedType(type)) continue;
    checkName(type.name, type.name, naming.type, 'lint/type-name', 'Type');
    if (!ROOT_TYPES.has(type.name)) checkDescription(type.name, type.description, 'lint/type-description', 'Type');
    for (const field of type.fields.values()) {
      // External fields belong to another product: that product's lint covers them.
      if (!isPublishedField(type, field)) continue;
      checkName(field.coordinate, field.name, naming.field, 'lint/field-name', 'Field');
      checkDescription(field.coordinate, field.description, 'lint/field-description', 'Field');
      checkDeprecation(field.coordinate, field.deprecationReason);
      for (const arg of field.args) {
        if (arg.inaccessible) continue;
        checkName(arg.coordinate, arg.name, naming.argument, 'lint/argument-name', 'Argument');
        checkDeprecation(arg.coordinate, arg.deprecationReason);
      }
    }
    for (const value of type.values.values()) {
      if (value.inaccessible) continue;
      checkName(value.coordinate, value.name, naming.enumValue, 'lint/enum-value-name', 'Enum value');
      checkDescription(value.coordinate, value.description, 'lint/field-description', 'Enum value');
      checkDeprecation(value.coordinate, value.deprecationReason);
    }
  }

  const published = new Set<string>();
  for (const field of publishedOutputFields(product.model)) {
    published.add(field.coordinate);
    if (lint.requireClassification && !product.descriptor.fields[field.coordinate]) {
      report(
        field.coordinate,
        'lint/field-classification',
        `Published field ${field.coordinate} has no classification`,
        `Add "${field.coordinate}: { classification: public|internal|confidential|restricted }" under fields in product.yaml.`,
      );
    }
  }
  for (const coordinate of Object.keys(product.descriptor.fields)) {
    if (!published.has(coordinate)) {
      report(
        coordinate,
        'lint/classification-unknown-field',
        `product.yaml classifies ${coordinate}, which the product does not publish`,
        `Remove fields.${coordinate} from product.yaml, or publish the field.`,
      );
    }
  }

  if (lint.requireOwnerContact && !CONTACT.test(product.descriptor.owner.contact)) {
    report(
      'owner.contact',
      'lint/owner-contact',
      `Owner contact "${product.descriptor.owner.contact}" is neither an e-mail address nor an https URL`,
      'Set owner.contact to a monitored e-mail address or an https URL.',
    );
  }
  return findings;
}

/**
 * A field that several products resolve (entity keys, shareable types) must carry one
 * classification: the gateway enforces one scope per field of the supergraph.
 */
export function lintClassificationConflicts(products: readonly ValidProduct[]): Finding[] {
  const byCoordinate = new Map<string, { product: string; classification: string }[]>();
  for (const product of products) {
    for (const [coordinate, policy] of Object.entries(product.descriptor.fields)) {
      const list = byCoordinate.get(coordinate) ?? [];
      list.push({ product: product.name, classification: policy.classification });
      byCoordinate.set(coordinate, list);
    }
  }
  const findings: Finding[] = [];
  for (const [coordinate, list] of byCoordinate) {
    const distinct = new Set(list.map((entry) => entry.classification));
    if (distinct.size < 2) continue;
    const summary = list.map((entry) => `${entry.product}: ${entry.classification}`).join(', ');
    for (const entry of list) {
      findings.push(
        finding(
          entry.product,
          coordinate,
          'lint/classification-conflict',
          `${coordinate} is classified differently across products (${summary})`,
          `Agree on one classification for ${coordinate} in every product that resolves it.`,
        ),
      );
    }
  }
  return findings;
}

const ACCESS_DIRECTIVES = ['@authenticated', '@requiresScopes', '@policy'] as const;

/** The access directives on each field, type and enum of a subgraph's SDL, by `Type.field` or type name, under the names the SDL gives them. */
function accessDirectives(model: SubgraphModel): Map<string, string[]> {
  const imported = federationDirectiveNames(model.document);
  // A directive the link does not import is still usable as `@federation__name`.
  const names = new Map(
    ACCESS_DIRECTIVES.flatMap(
      (d) =>
        [
          [(imported.get(d) ?? d).slice(1), d],
          [`federation__${d.slice(1)}`, d],
        ] as const,
    ),
  );
  const found = new Map<string, string[]>();
  const add = (key: string, directives: readonly { name: { value: string } }[] | undefined) => {
    const access = (directives ?? []).flatMap((d) => names.get(d.name.value) ?? []);
    if (access.length > 0) found.set(key, [...(found.get(key) ?? []), ...access]);
  };
  for (const definition of model.document.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    add(definition.name.value, definition.directives);
    if (!isObjectOrInterface(definition)) continue;
    for (const field of definition.fields ?? []) add(`${definition.name.value}.${field.name.value}`, field.directives);
  }
  return found;
}

/**
 * A field an access rule restricts must be nullable. The gateway answers a refused field
 * with null; declared non-null, that null empties its nearest nullable parent, so one
 * refused field takes the whole customer, page or answer with it. Restricted means an
 * access directive on the field, its type or the type it returns, or a classification that
 * governance compiles into scopes or sign-in. Fields the published `baseline` already has
 * as non-null are left alone: making them nullable would break typed consumers, so they get
 * a nullable successor and a deprecation instead.
 */
export function lintRestrictedNullability(product: ValidProduct, governance: Governance, baseline: SubgraphModel | undefined): Finding[] {
  if (!governance.lint.requireNullableRestrictedFields) return [];
  const directives = accessDirectives(product.model);
  const findings: Finding[] = [];
  for (const field of publishedOutputFields(product.model)) {
    if (!field.typeRef.endsWith('!')) continue;
    const level = product.descriptor.fields[field.coordinate]?.classification;
    const byClassification = level && (governance.classificationScopes[level].length > 0 || governance.authenticatedClassifications.includes(level)) ? [`classification ${level}`] : [];
    const rules = [...byClassification, ...new Set([field.coordinate, field.parent, field.returnType].flatMap((key) => directives.get(key) ?? []))];
    if (rules.length === 0) continue;
    const [typeName, fieldName] = field.coordinate.split('.') as [string, string];
    if (baseline?.types.get(typeName)?.fields.get(fieldName)?.typeRef.endsWith('!')) continue;
    findings.push(
      finding(
        product.name,
        field.coordinate,
        'lint/restricted-field-nullable',
        `${field.coordinate} is restricted (${rules.join(', ')}) but declared non-null (${field.typeRef}): a caller refused it gets null, which empties its nearest nullable parent`,
        `Declare ${field.coordinate} as ${field.typeRef.slice(0, -1)}, so a refusal nulls only this field.`,
      ),
    );
  }
  return findings;
}
