import { diff, CriticalityLevel, type Change } from '@graphql-inspector/core';
import { buildASTSchema, Kind, visit, type ASTNode, type ConstDirectiveNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compare, inc, major, minor } from 'semver';
import { usageByTrust, type FieldUsageSource } from './field-usage.ts';
import { accessOf, describeAccessChange, diffAccess, governedChangeId } from './access-diff.ts';
import { PREVIEW_TAG } from '../product/contract-spec.ts';
import { addDays } from '../base/utc-day.ts';
import { finding, type Finding } from './finding.ts';
import type { ProductSource, ValidProduct } from './mesh.ts';
import { sunsetDate, type SubgraphModel } from '../product/subgraph-model.ts';

/** How far a version moved from the baseline's. */
export type VersionBump = 'major' | 'minor' | 'patch' | 'none' | 'regressed';

function versionBump(from: string, to: string): VersionBump {
  const order = compare(to, from);
  if (order < 0) return 'regressed';
  if (order === 0) return 'none';
  if (major(to) > major(from)) return 'major';
  if (minor(to) > minor(from)) return 'minor';
  return 'patch';
}

/** Changes that only add to the interface: a consumer's existing queries keep working. */
const ADDITIONS: ReadonlySet<string> = new Set(['TYPE_ADDED', 'FIELD_ADDED', 'ENUM_VALUE_ADDED', 'INPUT_FIELD_ADDED', 'FIELD_ARGUMENT_ADDED', 'UNION_MEMBER_ADDED', 'OBJECT_TYPE_INTERFACE_ADDED']);

function hasDirective(node: { directives?: readonly ConstDirectiveNode[] }, name: string, tagName?: string): boolean {
  return (node.directives ?? []).some(
    (d) => d.name.value === name && (tagName === undefined || d.arguments?.some((a) => a.name.value === 'name' && a.value.kind === Kind.STRING && a.value.value === tagName)),
  );
}

/**
 * What consumers are promised: the SDL without `@inaccessible` elements (never
 * published), preview elements (outside the promise) and `@external` fields (another
 * product's). Types emptied by that go too, and so do federation directives: they
 * matter to composition, not to a consumer's queries. Only `@deprecated` stays.
 */
function promisedSchema(document: DocumentNode): GraphQLSchema {
  const hidden = (node: { directives?: readonly ConstDirectiveNode[] }) => hasDirective(node, 'inaccessible') || hasDirective(node, 'tag', PREVIEW_TAG) || hasDirective(node, 'external');
  const strip = (node: ASTNode) => ('directives' in node && hidden(node as { directives?: readonly ConstDirectiveNode[] }) ? null : undefined);
  const stripped = visit(document, {
    FieldDefinition: strip,
    InputValueDefinition: strip,
    EnumValueDefinition: strip,
    ObjectTypeDefinition: strip,
    InterfaceTypeDefinition: strip,
    InputObjectTypeDefinition: strip,
    EnumTypeDefinition: strip,
    UnionTypeDefinition: strip,
    ScalarTypeDefinition: strip,
  });
  const emptied = visit(stripped, {
    SchemaExtension: () => null,
    SchemaDefinition: () => null,
    Directive: (node) => (node.name.value === 'deprecated' ? undefined : null),
    leave(node) {
      if ((node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) && (node.fields ?? []).length === 0) return null;
      if (node.kind === Kind.ENUM_TYPE_DEFINITION && (node.values ?? []).length === 0) return null;
      return undefined;
    },
  });
  return buildASTSchema(emptied, { assumeValidSDL: true });
}

/** Changes a consumer could notice; federation plumbing and directive definitions are not among them. */
function consumerChanges(changes: readonly Change[]): Change[] {
  return changes.filter((change) => {
    if (change.type.startsWith('DIRECTIVE_')) return false;
    const path = change.path ?? '';
    return !path.startsWith('_') && !/^(Query|Mutation)\._/.test(path);
  });
}

/** The deprecation that covered `path` in the baseline: the element's own, or its field's for an argument. */
function baselineDeprecation(model: SubgraphModel, path: string): { deprecated: boolean; reason?: string } {
  const [typeName, memberName, argName] = path.split('.');
  const type = typeName ? model.types.get(typeName) : undefined;
  if (!type) return { deprecated: false };
  if (!memberName) {
    // A type cannot carry @deprecated; it is gone legitimately when all its members were.
    const members = [...type.fields.values(), ...type.values.values()];
    const reasons = members.map((m) => m.deprecationReason);
    if (members.length === 0 || reasons.some((r) => r === undefined)) return { deprecated: false };
    // The type's sunset is its members' latest; one member without a sunset leaves it without one.
    // biome-ignore lint/complexity/useMathMinMax: the operands are ISO days as strings, which Math.max would turn into NaN
    const latest = reasons.map(sunsetDate).reduce<string | undefined>((a, b) => (a === undefined || b === undefined ? undefined : a > b ? a : b), '0000-00-00');
    return { deprecated: true, reason: latest ? `Sunset ${latest}` : reasons[0] };
  }
  const member = type.fields.get(memberName) ?? type.values.get(memberName);
  const arg = argName ? type.fields.get(memberName)?.args.find((a) => a.name === argName) : undefined;
  const reason = arg?.deprecationReason ?? member?.deprecationReason;
  return reason === undefined ? { deprecated: false } : { deprecated: true, reason };
}

/** A consumer under an active access agreement on a product (the registry's agreements). */
export interface AgreedConsumer {
  consumer: string;
  purpose: string;
}

/** Options of {@link checkCompatibility}. */
export interface CompatibilityOptions {
  /** The day the check runs as `YYYY-MM-DD`: sunsets are compared against it. */
  today: string;
  /** A new deprecation's sunset must be at least this many days after `today`. */
  deprecationWindowDays: number;
  /**
   * Recorded field usage (the gateway's usage store). When given, removing a deprecated
   * field that a client used within the last `deprecationWindowDays` fails and names the
   * clients, whatever the sunset says: a date is a promise, usage is the fact.
   */
  usage?: Pick<FieldUsageSource, 'clientsUsing'>;
  /**
   * The product's consumers under active access agreements: a breaking change's findings
   * name them, as approved readers it would hit (not client names callers chose).
   */
  consumers?: readonly AgreedConsumer[];
}

/** What a breaking change's message adds when the product has agreed consumers. */
function consumersHit(consumers: readonly AgreedConsumer[] | undefined): string {
  if (!consumers || consumers.length === 0) return '';
  const named = consumers.map((c) => `${c.consumer} (${c.purpose})`).join(', ');
  return `; it would hit ${consumers.length === 1 ? 'a consumer' : `${consumers.length} consumers`} under an active access agreement: ${named}`;
}

/**
 * Compares a product with its published baseline: graphql-inspector finds the changes,
 * our rules decide what each needs (semver bump, prior deprecation, passed sunset).
 */
export async function checkCompatibility(product: ValidProduct, baseline: ProductSource, options: CompatibilityOptions): Promise<Finding[]> {
  const name = product.name;
  if (!baseline.descriptor || !baseline.model) {
    const why = baseline.sdlError ?? baseline.descriptorProblems.map((p) => `${p.path}: ${p.message}`).join('; ');
    return [finding(name, `schema/published/${name}`, 'compat/baseline-invalid', `The published baseline cannot be read: ${why}`, `Restore schema/published/${name}/ from version control.`)];
  }
  const from = baseline.descriptor.version;
  const to = product.descriptor.version;
  const bump = versionBump(from, to);
  if (bump === 'regressed') {
    return [finding(name, 'version', 'compat/version-regressed', `Version ${to} is lower than the published ${from}`, `Set version to ${from} or higher.`)];
  }

  const changes = consumerChanges(await diff(promisedSchema(baseline.model.document), promisedSchema(product.model.document)));
  const findings: Finding[] = [];
  const nextMajor = inc(from, 'major')!;
  // A new field's description or deprecation arrives as a change of its own: it is part of the addition.
  const added = changes.filter((c) => ADDITIONS.has(c.type)).map((c) => c.path ?? '');
  const partOfAddition = (change: Change) => !ADDITIONS.has(change.type) && added.some((path) => change.path === path || change.path?.startsWith(`${path}.`));
  for (const change of changes) {
    if (change.criticality.level !== CriticalityLevel.Breaking && partOfAddition(change)) continue;
    const element = change.path ?? '(schema)';
    if (change.criticality.level === CriticalityLevel.Breaking) {
      const first = findings.length;
      if (bump !== 'major') {
        findings.push(
          finding(
            name,
            element,
            'compat/breaking-without-major',
            `Breaking change: ${change.message}; version goes ${from} → ${to} without a major bump`,
            `Revert the change, or deprecate ${element} with a sunset date now and make the change in ${nextMajor} after the sunset.`,
          ),
        );
      }
      const deprecation = baselineDeprecation(baseline.model, element);
      const sunset = sunsetDate(deprecation.reason);
      if (!deprecation.deprecated) {
        findings.push(
          finding(
            name,
            element,
            'compat/breaking-without-deprecation',
            `Breaking change: ${change.message}, but ${element} was not @deprecated in the published ${from}`,
            `Restore ${element}, publish it @deprecated(reason: "... Sunset YYYY-MM-DD") in a minor release, and change it in a major release after the sunset.`,
          ),
        );
      } else if (!sunset) {
        findings.push(
          finding(
            name,
            element,
            'compat/breaking-without-sunset',
            `Breaking change: ${change.message}, but its deprecation in ${from} names no sunset date`,
            `Restore ${element} and name a sunset in its deprecation reason, e.g. "Sunset ${addDays(options.today, options.deprecationWindowDays)}".`,
          ),
        );
      } else if (options.today < sunset) {
        findings.push(
          finding(
            name,
            element,
            'compat/breaking-before-sunset',
            `Breaking change: ${change.message} before its sunset ${sunset}`,
            `Keep ${element} until ${sunset}; change it in the first major release after that.`,
          ),
        );
      }
      if (deprecation.deprecated && options.usage) findings.push(...(await removedFieldInUse(name, element, change, options)));
      const hit = consumersHit(options.consumers);
      for (let i = first; i < findings.length; i++) findings[i] = { ...findings[i]!, message: `${findings[i]!.message}${hit}` };
    } else if (ADDITIONS.has(change.type)) {
      if (bump !== 'major' && bump !== 'minor') {
        findings.push(
          finding(name, element, 'compat/addition-without-minor', `Addition: ${change.message}; version goes ${from} → ${to} without a minor bump`, `Bump version to ${inc(from, 'minor')}.`),
        );
      }
    } else if (bump === 'none') {
      findings.push(finding(name, element, 'compat/change-without-bump', `Change: ${change.message}; version stays ${from}`, `Bump version to ${inc(from, 'patch')}.`));
    }
  }
  findings.push(...accessChanges(product, baseline as ValidProduct, bump, nextMajor));
  findings.push(...newDeprecations(product, baseline.model, options));
  return findings;
}

/** A deprecated element a client still used within the deprecation window must stay. */
async function removedFieldInUse(product: string, element: string, change: Change, options: CompatibilityOptions): Promise<Finding[]> {
  const since = addDays(options.today, -options.deprecationWindowDays);
  const { verified, selfDeclared: clients } = usageByTrust(await options.usage!.clientsUsing(element, since, options.today));
  if (verified.length === 0 && clients.length === 0) return [];
  // Verified applications are named apart: a client name is whatever the caller sent.
  const applications = verified.map((a) => `used by ${a.application} (verified; ${a.count} operations, last ${a.lastUsed})`).join(', ');
  const named = clients.map((c) => `${c.client} (${c.count} operations, last ${c.lastUsed})`).join(', ');
  const selfDeclared = `${clients.length === 1 ? 'a client' : `${clients.length} clients`} used it in the last ${options.deprecationWindowDays} days: ${named}`;
  const what =
    verified.length === 0
      ? selfDeclared
      : `it was used in the last ${options.deprecationWindowDays} days: ${applications}${clients.length > 0 ? `; and ${clients.length === 1 ? 'a client' : `${clients.length} clients`} under no verified application (self-declared names): ${named}` : ''}`;
  const users = [...verified.map((a) => a.application), ...clients.map((c) => c.client)];
  return [
    finding(
      product,
      element,
      'compat/removed-field-in-use',
      `Breaking change: ${change.message}, but ${what}`,
      `Keep ${element} until ${users.join(', ')} ${users.length === 1 ? 'has' : 'have'} moved off it; the catalog shows its recent usage.`,
    ),
  ];
}

/**
 * Access is contract. Weakening any access element (a classification lowered or removed,
 * `@authenticated` or `@inaccessible` dropped, scopes or policies loosened, one of our
 * directives removed) is a governed change whatever the version: it fails until an
 * approval on record names its change id. Strengthening breaks consumers' queries, so it
 * needs a major version, as the classification rule always asked.
 */
function accessChanges(product: ValidProduct, baseline: ValidProduct, bump: VersionBump, nextMajor: string): Finding[] {
  const findings: Finding[] = [];
  const version = product.descriptor.version;
  const preview = (model: SubgraphModel, coordinate: string) => {
    const [type, field] = coordinate.split('.');
    const node = model.types.get(type ?? '');
    return node?.preview === true || (field !== undefined && node?.fields.get(field)?.preview === true);
  };
  for (const change of diffAccess(accessOf(baseline.model.document, baseline.descriptor), accessOf(product.model.document, product.descriptor))) {
    const what = describeAccessChange(change);
    if (change.direction === 'weakened') {
      const id = governedChangeId(product.name, version, change.coordinate, what);
      findings.push({
        ...finding(
          product.name,
          change.coordinate,
          'access/weakened',
          `Access to ${change.coordinate} is weakened in ${version}: ${what} (governed change ${id})`,
          `Restore ${change.element} on ${change.coordinate}, or have a platform or steward principal approve change ${id}: \`meshgate registry approvals approve\` on a registry, an entry in schema/approvals.yaml in a repository.`,
        ),
        change: id,
      });
      continue;
    }
    // A field turned @inaccessible leaves the promise: the schema diff reports it as a removal.
    // Preview elements are outside the promise: tightening them breaks nobody's contract.
    if (bump === 'major' || change.element === '@inaccessible' || preview(baseline.model, change.coordinate) || preview(product.model, change.coordinate)) continue;
    if (change.element === 'classification') {
      findings.push(
        finding(
          product.name,
          change.coordinate,
          'compat/classification-changed',
          `Classification of ${change.coordinate} changed from ${change.before} to ${change.after} without a major version bump`,
          `Restore classification ${change.before}, or release the change as ${nextMajor}.`,
        ),
      );
    } else {
      findings.push(
        finding(
          product.name,
          change.coordinate,
          'compat/access-tightened',
          `Access to ${change.coordinate} is tightened (${what}) without a major version bump: callers who read it today would be refused`,
          `Restore ${change.element} as published, or release the change as ${nextMajor}; a new field with the tighter rule and a deprecated old one keeps consumers working.`,
        ),
      );
    }
  }
  return findings;
}

/** A deprecation added since the baseline must give consumers the governance window. */
function newDeprecations(product: ValidProduct, baseline: SubgraphModel, options: CompatibilityOptions): Finding[] {
  const earliest = addDays(options.today, options.deprecationWindowDays);
  const findings: Finding[] = [];
  for (const type of product.model.types.values()) {
    const fields = [...type.fields.values()];
    const members = [...fields, ...fields.flatMap((f) => f.args), ...type.values.values()];
    for (const member of members) {
      const sunset = sunsetDate(member.deprecationReason);
      if (!sunset || member.preview || baselineDeprecation(baseline, member.coordinate).deprecated) continue;
      if (sunset < earliest) {
        findings.push(
          finding(
            product.name,
            member.coordinate,
            'compat/sunset-too-soon',
            `${member.coordinate} is newly deprecated with sunset ${sunset}, less than ${options.deprecationWindowDays} days ahead`,
            `Set the sunset to ${earliest} or later.`,
          ),
        );
      }
    }
  }
  return findings;
}
