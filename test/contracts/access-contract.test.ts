import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inc } from 'semver';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../schema/contracts/check.ts';
import { checkCompatibility } from '../../schema/contracts/compatibility.ts';
import { safeParseDescriptor } from '../../schema/product/descriptor.ts';
import { DEFAULT_GOVERNANCE_PATH } from '../../schema/contracts/governance.ts';
import { governanceShadows } from '../../schema/contracts/governance-shadow.ts';
import type { ValidProduct } from '../../schema/contracts/mesh.ts';
import { writeMeshFolder } from '../../schema/registry/mesh-folder.ts';
import { takeoverFindings } from '../../schema/registry/ownership.ts';
import { modelSubgraph } from '../../schema/product/subgraph-model.ts';

/**
 * Access is contract (issue 22): each kind of access element dropped, loosened or shadowed
 * in turn, on the demo's published products, is found as a governed change whatever the
 * version; strengthening needs a major version; an approval in schema/approvals.yaml lets
 * the change pass `meshgate check` in a repository.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
type Text = { descriptor: string; sdl: string };
const published = (name: string): Text => ({
  descriptor: readFileSync(join(ROOT, 'schema', 'published', name, 'product.yaml'), 'utf8'),
  sdl: readFileSync(join(ROOT, 'schema', 'published', name, 'schema.graphql'), 'utf8'),
});
type Edit = [string | RegExp, string];

function apply(text: string, edits: readonly Edit[] = []): string {
  return edits.reduce((current, [from, to]) => {
    const next = current.replace(from, to);
    expect(next, `edit ${String(from)}`).not.toBe(current);
    return next;
  }, text);
}

function product(name: string, text: Text): ValidProduct {
  const parsed = safeParseDescriptor(text.descriptor);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return { name, folder: name, sdl: text.sdl, descriptor: parsed.descriptor, descriptorProblems: [], model: modelSubgraph(text.sdl), sdlError: undefined };
}

/** `Type.field` of every field line carrying `@policy(`, read line by line from the SDL. */
function policyFields(sdl: string): string[] {
  let type = '';
  return sdl.split('\n').flatMap((line) => {
    type = /^(?:extend )?(?:type|interface) (\w+)/.exec(line)?.[1] ?? type;
    const field = /^\s+(\w+)\s*[:(]/.exec(line)?.[1];
    return field && line.includes('@policy(') ? [`${type}.${field}`] : [];
  });
}

const bumped = (descriptor: string, bump: 'patch' | 'major') => descriptor.replace(/^version: (\S+)$/m, (_, v: string) => `version: ${inc(v, bump)}`);

interface Case {
  what: string;
  product: string;
  /** Edits making the baseline (to give it an element the demo lacks); the candidate is the published SDL with `sdl`. */
  baseline?: Edit[];
  sdl?: Edit[];
  descriptor?: Edit[];
  bump?: 'patch' | 'major';
  /** The coordinates found weakened; [] for a change that weakens nothing; or every field the baseline puts under a policy. */
  weakened: string[] | 'every @policy';
}

const CASES: Case[] = [
  { what: '@authenticated dropped', product: 'customers', sdl: [[/(billingCountry: String) @authenticated/, '$1']], weakened: ['Customer.billingCountry'] },
  {
    what: '@authenticated shadowed by a definition of its own',
    product: 'customers',
    sdl: [
      ['"@authenticated", ', ''],
      [/^(type Customer )/m, 'directive @authenticated on FIELD_DEFINITION\n\n$1'],
    ],
    weakened: ['Customer.billingCountry', 'Customer.country'],
  },
  {
    what: '@authenticated kept under a renamed import (not a weakening)',
    product: 'customers',
    sdl: [
      [/ @authenticated/g, ' @signedIn'],
      ['"@authenticated"', '{ name: "@authenticated", as: "@signedIn" }'],
    ],
    weakened: [],
  },
  { what: '@authenticated dropped from a type', product: 'customers', baseline: [[/^type Customer @key\(fields: "id"\)/m, 'type Customer @key(fields: "id") @authenticated']], weakened: ['Customer'] },
  { what: '@requiresScopes dropped', product: 'customers', sdl: [[/(fullName: String) @requiresScopes\(scopes: \[\["pii:read"\]\]\)/, '$1']], weakened: ['Customer.fullName'] },
  {
    what: '@requiresScopes loosened by an alternative',
    product: 'customers',
    sdl: [[/(fullName: String @requiresScopes\(scopes: )\[\["pii:read"\]\]/, '$1[["pii:read"], ["crm:read"]]']],
    weakened: ['Customer.fullName'],
  },
  {
    what: '@requiresScopes with fewer scopes',
    product: 'customers',
    baseline: [[/(fullName: String @requiresScopes\(scopes: )\[\["pii:read"\]\]/, '$1[["pii:read", "crm:read"]]']],
    weakened: ['Customer.fullName'],
  },
  {
    what: '@requiresScopes with more scopes (a tightening, not a weakening)',
    product: 'customers',
    sdl: [[/(fullName: String @requiresScopes\(scopes: )\[\["pii:read"\]\]/, '$1[["pii:read", "crm:read"]]']],
    weakened: [],
  },
  {
    what: 'classification lowered',
    product: 'customers',
    descriptor: [['Customer.fullName: { classification: restricted', 'Customer.fullName: { classification: confidential']],
    weakened: ['Customer.fullName'],
  },
  {
    what: 'classification lowered with a major bump',
    product: 'forecasts',
    bump: 'major',
    descriptor: [['expectedRevenueUsd: { classification: confidential }', 'expectedRevenueUsd: { classification: public }']],
    weakened: ['ForecastTotal.expectedRevenueUsd'],
  },
  { what: 'classification removed', product: 'customers', descriptor: [[/^ {2}Customer\.fullName: .*\n/m, '']], weakened: ['Customer.fullName'] },
  {
    what: '@policy dropped',
    product: 'customer-insights',
    sdl: [[/(churnRiskLevel: ChurnRisk @requires\(fields: "[^"]+"\)) @policy\(policies: \[\["customer-data-steward"\]\]\)/, '$1']],
    weakened: ['Customer.churnRiskLevel'],
  },
  {
    what: '@policy swapped for another policy',
    product: 'customer-insights',
    sdl: [[/(churnRiskLevel: [^\n]*@policy\(policies: \[\[)"customer-data-steward"/, '$1"finance-analyst"']],
    weakened: ['Customer.churnRiskLevel'],
  },
  {
    what: '@policy shadowed by a definition of its own',
    product: 'customer-insights',
    sdl: [
      [', "@policy"]', ']'],
      [/^(type Customer )/m, 'directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION\n\n$1'],
    ],
    weakened: 'every @policy',
  },
  { what: '@inaccessible lifted', product: 'customers', sdl: [[/(leadScore: Int) @inaccessible/, '$1']], weakened: ['Customer.leadScore'] },
  { what: '@meshgate__exposes removed', product: 'customers', sdl: [[/(segment: Segment) @meshgate__exposes\(field: "Customer.segment"\)/, '$1']], weakened: ['CustomerFilter.segment'] },
];

describe('access is contract: each access element dropped, loosened or shadowed is found', () => {
  it.each(CASES)('$what', async (c) => {
    const base = published(c.product);
    const baseline = product(c.product, { descriptor: base.descriptor, sdl: apply(base.sdl, c.baseline) });
    const candidate = product(c.product, { descriptor: bumped(apply(base.descriptor, c.descriptor), c.bump ?? 'patch'), sdl: apply(base.sdl, c.sdl) });
    const findings = await checkCompatibility(candidate, baseline, { today: '2026-01-01', deprecationWindowDays: 90 });
    const weakened = findings.filter((f) => f.rule === 'access/weakened');
    expect(weakened.map((f) => f.element).sort()).toEqual([...(c.weakened === 'every @policy' ? policyFields(baseline.sdl) : c.weakened)].sort());
    for (const f of weakened) {
      expect(f.code).toBe('GOVERNED_CHANGE_UNAPPROVED');
      expect(f.change).toMatch(/^[0-9a-f]{16}$/);
      expect(f.message).toContain(`governed change ${f.change}`);
    }
  });

  it('tightening access without a major version is breaking (compat/access-tightened); with one it passes', async () => {
    const base = published('customers');
    const sdl = apply(base.sdl, [[/(signupDate: String!)/, '$1 @authenticated']]);
    const patch = await checkCompatibility(product('customers', { descriptor: bumped(base.descriptor, 'patch'), sdl }), product('customers', base), { today: '2026-01-01', deprecationWindowDays: 90 });
    expect(patch.map((f) => [f.rule, f.element, f.code])).toEqual([['compat/access-tightened', 'Customer.signupDate', 'INCOMPATIBLE_CHANGE']]);
    const major = await checkCompatibility(product('customers', { descriptor: bumped(base.descriptor, 'major'), sdl }), product('customers', base), { today: '2026-01-01', deprecationWindowDays: 90 });
    expect(major).toEqual([]);
  });

  it('a policy, a classification or product metadata of its own shadows governance', () => {
    const sdl = apply(published('sales').sdl, [[/^(extend schema\n)/, '$1  @meshgate__policy(name: "customer-data-steward", requiresScopes: [], requiresAuthentication: false)\n']]);
    expect(governanceShadows('sales', '3.1.0', modelSubgraph(sdl).document).map((f) => [f.rule, f.element, f.code])).toEqual([
      ['ownership/governance-shadowed', '@meshgate__policy', 'COORDINATE_TAKEOVER'],
    ]);
    const classified = apply(published('customers').sdl, [[/(fullName: String) /, '$1 @meshgate__classified(level: "public") ']]);
    expect(governanceShadows('customers', '1.1.1', modelSubgraph(classified).document).map((f) => f.element)).toEqual(['@meshgate__classified']);
    expect(governanceShadows('customers', '1.1.0', modelSubgraph(published('customers').sdl).document)).toEqual([]);
  });
});

describe("ownership: taking over another product's coordinate is found", () => {
  const owners = new Map<string, string[]>([
    ['Customer', ['customers']],
    ['Customer.fullName', ['customers']],
    ['Customer.segment', ['customers']],
    ['Money', ['finance']],
    ['Query', ['customers']],
    ['Query.customer', ['customers']],
  ]);
  const sdl = (body: string) => `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@override", "@external"])\n${body}`;
  it.each([
    ['@override(from:) of another product', 'type Customer @key(fields: "id") { id: ID! fullName: String @override(from: "customers") }', ['Customer.fullName']],
    ["a @shareable duplicate of another product's field", 'type Customer @key(fields: "id") { id: ID! segment: String @shareable }', ['Customer.segment']],
    ["a field added to another product's type without its key", 'type Customer { nickname: String }', ['Customer.nickname']],
    ["a field added to another product's value type", 'type Money { cents: Int }', ['Money.cents']],
    ["a field added to another product's entity by its key (federation's extension: allowed)", 'type Customer @key(fields: "id") { id: ID! orders: Int }', []],
    ['a new entry point on Query (root fields are owned one by one: allowed)', 'type Query { shipments: Int }', []],
    ["a duplicate of another product's Query field", 'type Query { customer: Int @shareable }', ['Query.customer']],
    ['an @external reference (allowed)', 'type Customer @key(fields: "id") { id: ID! fullName: String @external }', []],
  ])('%s', (_what, body, expected) => {
    const found = takeoverFindings('sales', '3.1.0', sdl(body), owners);
    expect(found.map((f) => f.element)).toEqual(expected);
    for (const f of found) expect([f.rule, f.code, f.change]).toEqual(['ownership/takeover', 'COORDINATE_TAKEOVER', expect.stringMatching(/^[0-9a-f]{16}$/)]);
  });
});

describe('in a repository, schema/approvals.yaml records approvals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'access-approvals-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('`meshgate check` finds the weakening; an approval naming its change id lets it pass; a malformed file is refused', async () => {
    const base = published('customers');
    const candidate = { name: 'customers', descriptor: bumped(base.descriptor, 'patch'), sdl: apply(base.sdl, [[/(billingCountry: String) @authenticated/, '$1']]) };
    writeMeshFolder(dir, { products: [candidate], baselines: [{ name: 'customers', ...base }], governance: readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8') });
    const before = await runCheck({ root: dir, today: '2026-01-01' });
    const governed = before.findings.filter((f) => f.rule === 'access/weakened');
    expect(governed.map((f) => f.element)).toEqual(['Customer.billingCountry']);
    writeFileSync(
      join(dir, 'schema', 'approvals.yaml'),
      `approvals:\n  - change: ${governed[0]!.change}\n    product: customers\n    coordinates: [Customer.billingCountry]\n    approvedBy: jane.doe\n    role: steward\n    approvedAt: 2026-01-01\n    reason: Country codes are reference data.\n`,
    );
    const after = await runCheck({ root: dir, today: '2026-01-01' });
    expect(after.findings.filter((f) => f.rule === 'access/weakened')).toEqual([]);
    writeFileSync(join(dir, 'schema', 'approvals.yaml'), 'approvals:\n  - change: nope\n');
    await expect(runCheck({ root: dir, today: '2026-01-01' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
