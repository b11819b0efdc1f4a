import { describe, expect, it } from 'vitest';
import { ConfigError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { parseDescriptor } from '../../schema/product/descriptor.ts';
import { parseGovernance, loadGovernance } from '../../schema/contracts/governance.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFixture, findingsOf, fixtureRoot } from './fixture-mesh.ts';

describe('descriptor validation', () => {
  it('lists every problem of a malformed descriptor with its path and bad value', async () => {
    const report = await checkFixture('malformed');
    const findings = findingsOf(report, 'broken');
    expect(findings.every((f) => f.rule === 'descriptor/invalid' && f.code === MeshErrorCode.DESCRIPTOR_INVALID)).toBe(true);
    expect(findings.map((f) => f.element)).toEqual([
      'owner.contact',
      'version',
      'status',
      'description.purpose',
      'sla.freshness',
      'fields.Thing.id.classification',
      'fields.thing-name',
      'inputPorts.0.product',
      'inputPorts.0.version',
      'inputPorts.0.fields.0',
      'exemptFromChecks',
    ]);
    const messages = findings.map((f) => f.message);
    expect(messages).toContain('version: must be a semantic version such as 1.2.0 (got "one")');
    expect(messages).toContain('inputPorts.0.version: must be a semver range such as ^1.0.0 (got "not-a-range")');
    expect(messages).toContain('exemptFromChecks: is not a known key (got true)');
    expect(messages.find((m) => m.startsWith('status:'))).toMatch(/\(got "live"\)$/);
    expect(report.ok).toBe(false);
  });

  it('throws a ConfigError naming every problem when loaded for serving', () => {
    const text = readFileSync(join(fixtureRoot('malformed'), 'subgraphs/broken/product.yaml'), 'utf8');
    let caught: unknown;
    try {
      parseDescriptor(text, 'broken/product.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe(MeshErrorCode.DESCRIPTOR_INVALID);
    expect((caught as ConfigError).problems).toHaveLength(11);
  });
});

describe('governance', () => {
  it('loads the repository governance in the shape the gateway reads', () => {
    const governance = loadGovernance();
    expect(governance.composableStatuses).toEqual(['active', 'deprecated']);
    expect(governance.classificationScopes).toEqual({ public: [], internal: [], confidential: ['finance:read'], restricted: ['pii:read'] });
    expect(governance.policies['finance-analyst']?.requiresScopes).toEqual(['finance:read']);
    expect(governance.deprecationWindowDays).toBe(90);
  });

  it('refuses governance that would compose draft products', () => {
    const text = readFileSync(join(import.meta.dirname, '../../schema/governance.yaml'), 'utf8').replace('composableStatuses: [active, deprecated]', 'composableStatuses: [active, draft]');
    expect(() => parseGovernance(text, 'governance.yaml')).toThrow('composableStatuses: must not list proposed, draft, retired (got ["active","draft"])');
  });
});
