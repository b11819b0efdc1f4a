import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLASSIFICATIONS } from '../../schema/product/descriptor.ts';
import { agreementDeciders, DEFAULT_GOVERNANCE_PATH, parseGovernance, type Governance } from '../../schema/contracts/governance.ts';
import { ConfigError } from '../../schema/protocol/error-codes.ts';
import { requestedClassifications } from '../../schema/registry/agreements.ts';
import type { Classification } from '../../schema/product/descriptor.ts';

const DEMO = readFileSync(DEFAULT_GOVERNANCE_PATH, 'utf8');
const demo = parseGovernance(DEMO, 'governance.yaml');

/** The demo governance with its `agreements:` section replaced. */
const withAgreements = (section: string) => DEMO.replace(/^agreements:\n(?: {2}.*\n|\n)*/m, `agreements:\n${section}`);

describe('governance: access agreements', () => {
  it('the demo asks nothing for public and internal data, the owner for confidential, the owner and a steward for restricted', () => {
    expect(agreementDeciders(demo.agreements, ['public', 'internal'])).toEqual([]);
    expect(agreementDeciders(demo.agreements, ['confidential'])).toEqual(['owner']);
    expect(agreementDeciders(demo.agreements, ['restricted'])).toEqual(['owner', 'steward']);
    expect(agreementDeciders(demo.agreements, ['internal', 'restricted', 'confidential'])).toEqual(['owner', 'steward']);
    expect(demo.agreements.maxTermDays).toBeGreaterThan(0);
  });

  it('a governance file without the section asks for no agreement', () => {
    const without = parseGovernance(DEMO.replace(/^agreements:\n(?: {2}.*\n|\n)*/m, ''), 'old.yaml');
    for (const level of CLASSIFICATIONS) expect(agreementDeciders(without.agreements, [level])).toEqual([]);
  });

  it.each([
    ['an unknown classification', '  maxTermDays: 30\n  decidedBy:\n    secret: [owner]\n', 'agreements.decidedBy.secret'],
    ['an unknown decider', '  maxTermDays: 30\n  decidedBy:\n    restricted: [owner, auditor]\n', 'agreements.decidedBy.restricted'],
    ['a steward without the owner', '  maxTermDays: 30\n  decidedBy:\n    restricted: [steward]\n', 'the owner decides wherever anyone does'],
    ['a decider twice', '  maxTermDays: 30\n  decidedBy:\n    restricted: [owner, owner]\n', 'must name each decider once'],
    ['no term', '  decidedBy:\n    restricted: [owner]\n', 'agreements.maxTermDays'],
    ['a term of zero days', '  maxTermDays: 0\n  decidedBy: {}\n', 'agreements.maxTermDays'],
  ])('refuses %s with CONFIG_INVALID naming the path', (_name, section, named) => {
    let error: unknown;
    try {
      parseGovernance(withAgreements(section), 'governance.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^CONFIG_INVALID/);
    expect((error as Error).message).toContain(named);
  });
});

/**
 * What a request's scopes ask for, under governance shapes the demo does not have: a
 * classification that needs two scopes, and a scope that also opens data under no agreement.
 * The scope names are the demo's own; the product's classifications are given.
 */
describe('governance: what the scopes of an access request ask for', () => {
  const [FINANCE, PII] = [demo.classificationScopes.confidential[0]!, demo.classificationScopes.restricted[0]!];
  const HAS = new Set<Classification>(['internal', 'confidential', 'restricted']);
  const withScopes = (scopes: Partial<Governance['classificationScopes']>): Governance => ({ ...demo, classificationScopes: { ...demo.classificationScopes, ...scopes } });
  const asked = (governance: Governance, scopes: string[], classifications?: Classification[], has = HAS) => {
    try {
      return requestedClassifications(governance, has, { product: 'sales', classifications, scopes });
    } catch (error) {
      return (error as { code?: string }).code ?? error;
    }
  };

  it('a classification needing two scopes is asked for only by naming both: one alone asks for what it alone opens', () => {
    const both = withScopes({ confidential: [FINANCE, PII], restricted: [PII] });
    expect(asked(both, [PII])).toEqual(['restricted']);
    expect(asked(both, [FINANCE])).toBe('AGREEMENT_SCOPE_UNKNOWN');
    expect(asked(both, [FINANCE, PII])).toEqual(['confidential', 'restricted']);
    // Named outright, the classification is asked for whatever its scopes.
    expect(asked(both, [], ['confidential'])).toEqual(['confidential']);
  });

  it('a scope that also opens data under no agreement asks for the rest; one opening only such data is refused', () => {
    expect(asked(withScopes({ internal: [FINANCE] }), [FINANCE])).toEqual(['confidential']);
    expect(asked(withScopes({ internal: ['staff:read'] }), ['staff:read'])).toBe('AGREEMENT_CLASSIFICATION_UNKNOWN');
    expect(asked(withScopes({ internal: ['staff:read'] }), ['staff:read', FINANCE])).toBe('AGREEMENT_CLASSIFICATION_UNKNOWN');
    // What is left must be on the product: a scope opening governed data it has none of is refused.
    expect(asked(withScopes({ internal: [FINANCE] }), [FINANCE], undefined, new Set<Classification>(['internal']))).toBe('AGREEMENT_CLASSIFICATION_UNKNOWN');
    expect(asked(demo, [], ['internal'])).toBe('AGREEMENT_CLASSIFICATION_UNKNOWN');
  });
});
