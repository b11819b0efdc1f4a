import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLASSIFICATIONS } from '../../schema/product/descriptor.ts';
import { agreementDeciders, DEFAULT_GOVERNANCE_PATH, parseGovernance } from '../../schema/contracts/governance.ts';
import { ConfigError } from '../../schema/protocol/error-codes.ts';

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
