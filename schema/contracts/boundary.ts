import { satisfies } from 'semver';
import type { InputPort } from '../product/descriptor.ts';
import { finding, type Finding, type RuleId } from './finding.ts';
import type { ValidProduct } from './mesh.ts';
import { isPublishedType, selectFields, type TypeModel } from '../product/subgraph-model.ts';

/** How a product reaches a field of another product. */
export type ReadVia = 'key' | 'external' | 'requires' | 'provides';

/** A field of another product that this product's SDL names. */
export interface FieldRead {
  /** `Type.field` of the field read. */
  coordinate: string;
  /** Path from the entity the selection starts at, e.g. `Customer.orderSummary.totalSpentUsd`. */
  path: string;
  leaf: boolean;
  via: ReadVia;
  /** The product's own field that needs the value (for `@requires`). */
  readBy: string | undefined;
}

/**
 * Whether `type` in this product refers to an entity another product owns rather than
 * originating it. Federation 2 has no `extend` marker, so we go by what the product
 * says about itself: a non-resolvable key, `@external` fields, or an input port that
 * lists a field of the type.
 */
function isEntityReference(product: ValidProduct, type: TypeModel): boolean {
  if (type.keys.length === 0) return false;
  if (type.keys.some((key) => !key.resolvable)) return true;
  if ([...type.fields.values()].some((field) => field.external)) return true;
  return product.descriptor.inputPorts.some((port) => port.fields.some((coordinate) => coordinate.startsWith(`${type.name}.`)));
}

/** Every field of another product that `product` names through keys, `@external`, `@requires` or `@provides`. */
export function collectReads(product: ValidProduct): FieldRead[] {
  const reads: FieldRead[] = [];
  for (const type of product.model.types.values()) {
    if (isEntityReference(product, type)) {
      for (const key of type.keys) {
        for (const selected of selectFields(product.model, type.name, key.fields)) reads.push({ ...selected, via: 'key', readBy: undefined });
      }
    }
    for (const field of type.fields.values()) {
      if (field.external) reads.push({ coordinate: field.coordinate, path: field.coordinate, leaf: true, via: 'external', readBy: undefined });
      if (field.requires) {
        for (const selected of selectFields(product.model, type.name, field.requires)) reads.push({ ...selected, via: 'requires', readBy: field.coordinate });
      }
      if (field.provides) {
        for (const selected of selectFields(product.model, field.returnType, field.provides)) reads.push({ ...selected, via: 'provides', readBy: field.coordinate });
      }
    }
  }
  return reads;
}

/** The products other than `reader` that resolve `coordinate` themselves (published or not). */
function sourcesOf(coordinate: string, reader: ValidProduct, products: readonly ValidProduct[]): ValidProduct[] {
  const [typeName, fieldName] = coordinate.split('.') as [string, string];
  return products.filter((candidate) => {
    if (candidate === reader) return false;
    const field = candidate.model.types.get(typeName)?.fields.get(fieldName);
    return field !== undefined && !field.external;
  });
}

/**
 * The product a read comes from: one of the reader's declared inputs when it can be,
 * otherwise whoever resolves the field.
 */
export function sourceOf(read: FieldRead, reader: ValidProduct, products: readonly ValidProduct[]): ValidProduct | undefined {
  const sources = sourcesOf(read.coordinate, reader, products);
  return sources.find((source) => reader.descriptor.inputPorts.some((port) => port.product === source.name)) ?? sources[0];
}

type Publication = { ok: true } | { ok: false; rule: RuleId; why: string };

/** Whether `source` publishes `coordinate` to a reader through `port`. */
function publication(source: ValidProduct, coordinate: string, port: InputPort | undefined): Publication {
  const [typeName, fieldName] = coordinate.split('.') as [string, string];
  const type = source.model.types.get(typeName);
  const field = type?.fields.get(fieldName);
  if (!type || !field || field.external) return { ok: false, rule: 'boundary/unknown-field', why: `${source.name} does not publish ${coordinate}` };
  if (!isPublishedType(type) || field.inaccessible) return { ok: false, rule: 'boundary/inaccessible-field', why: `${coordinate} is @inaccessible in ${source.name}: it is internal to that product` };
  if (field.preview && !port?.allowPreview)
    return { ok: false, rule: 'boundary/preview-field', why: `${coordinate} is a preview field of ${source.name}, and the input port does not set allowPreview` };
  return { ok: true };
}

const VIA_LABEL: Record<ReadVia, string> = { key: 'its @key', external: '@external', requires: '@requires', provides: '@provides' };

/**
 * The boundary rules: a product reaches other products only through fields they publish,
 * and only products it declares as input ports, within the version range it declares.
 */
export function checkBoundaries(products: readonly ValidProduct[], composableStatuses: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const byName = new Map(products.map((product) => [product.name, product]));

  for (const product of products) {
    const report = (element: string, rule: RuleId, message: string, fix: string) => {
      const id = `${product.name}|${element}|${rule}`;
      if (seen.has(id)) return;
      seen.add(id);
      findings.push(finding(product.name, element, rule, message, fix));
    };

    for (const [index, port] of product.descriptor.inputPorts.entries()) {
      const source = byName.get(port.product);
      const element = `inputPorts.${index}`;
      if (!source) {
        report(element, 'boundary/unknown-input-product', `Input port names product "${port.product}", which is not in the mesh`, `Fix inputPorts.${index}.product, or remove the port.`);
        continue;
      }
      if (!satisfies(source.descriptor.version, port.version)) {
        report(
          element,
          'boundary/input-version-mismatch',
          `Input port wants ${port.product} ${port.version}, but ${port.product} is at ${source.descriptor.version}`,
          `Move to ${port.product} ${source.descriptor.version} and widen inputPorts.${index}.version.`,
        );
      }
      if (composableStatuses.includes(product.descriptor.status) && !composableStatuses.includes(source.descriptor.status)) {
        report(
          element,
          'boundary/input-not-served',
          `${product.name} is ${product.descriptor.status} but reads ${port.product}, which is ${source.descriptor.status} and not served`,
          `Wait until ${port.product} is released, or keep ${product.name} in draft.`,
        );
      }
      for (const coordinate of port.fields) {
        const published = publication(source, coordinate, port);
        if (!published.ok)
          report(coordinate, published.rule, `Input port lists ${coordinate}, but ${published.why}`, `Read only fields ${port.product} publishes; ask its owner to publish ${coordinate}.`);
      }
    }

    for (const read of collectReads(product)) {
      const via = VIA_LABEL[read.via];
      const sources = sourcesOf(read.coordinate, product, products);
      if (sources.length === 0) {
        // A key field no other product resolves means this product originates the entity.
        if (read.via !== 'key')
          report(
            read.coordinate,
            'boundary/unknown-field',
            `${product.name} reads ${read.coordinate} through ${via}, but no product publishes it`,
            `Remove the reference, or read a field an input product publishes.`,
          );
        continue;
      }
      const declared = sources.filter((source) => product.descriptor.inputPorts.some((port) => port.product === source.name));
      if (declared.length === 0) {
        const names = sources.map((source) => source.name).join(' or ');
        report(
          read.coordinate,
          'boundary/undeclared-input',
          `${product.name} reads ${read.coordinate} through ${via} from ${names}, which is not among its inputPorts`,
          `Declare an input port for ${sources[0]!.name} listing ${read.coordinate} in product.yaml.`,
        );
        continue;
      }
      const listing = declared.flatMap((source) => product.descriptor.inputPorts.filter((port) => port.product === source.name && port.fields.includes(read.coordinate)));
      // A listed field is already checked with its port above.
      if (listing.length > 0) continue;
      const source = declared[0]!;
      const published = publication(source, read.coordinate, undefined);
      if (!published.ok)
        report(
          read.coordinate,
          published.rule,
          `${product.name} reads ${read.coordinate} through ${via}, but ${published.why}`,
          `Read only fields ${source.name} publishes; ask its owner to publish ${read.coordinate}.`,
        );
      report(
        read.coordinate,
        'boundary/field-not-in-port',
        `${product.name} reads ${read.coordinate} through ${via}, but its input port for ${source.name} does not list it`,
        `Add ${read.coordinate} to the fields of the ${source.name} input port.`,
      );
    }
  }

  findings.push(...entityOwnerConflicts(products));
  return findings;
}

/** An entity has one owner; every other product that defines it must say whom it reads it from. */
function entityOwnerConflicts(products: readonly ValidProduct[]): Finding[] {
  const owners = new Map<string, string[]>();
  for (const product of products) {
    for (const type of product.model.types.values()) {
      if (type.keys.length === 0 || isEntityReference(product, type)) continue;
      owners.set(type.name, [...(owners.get(type.name) ?? []), product.name]);
    }
  }
  const findings: Finding[] = [];
  for (const [typeName, names] of owners) {
    if (names.length < 2) continue;
    for (const name of names) {
      findings.push(
        finding(
          name,
          typeName,
          'boundary/entity-owner-conflict',
          `Entity ${typeName} is originated by ${names.join(' and ')}; it can have one owner`,
          `Every product but ${typeName}'s owner declares an input port reading ${typeName}'s key fields from the owner.`,
        ),
      );
    }
  }
  return findings;
}
