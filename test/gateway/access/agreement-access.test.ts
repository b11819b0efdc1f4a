import { describe, expect, it } from 'vitest';
import { AgreementAccess } from '../../../gateway/access/agreement-access.ts';
import type { AgreementGrant } from '../../../schema/registry/agreements.ts';

/**
 * The consumer a verified application acts for, as lineage tags it: only while an agreement
 * naming the application runs. The clock is injected and moved; the dates are relative to it.
 */
const DAY = 86_400_000;

describe('agreements at the gateway: the consumer of an application', () => {
  it('is named while an agreement runs, and no longer once it ended, before any poll', () => {
    let now = Date.now();
    const access = new AgreementAccess('azp', () => now);
    const grant = (id: number, endsIn: number): AgreementGrant => ({
      id,
      consumer: 'revenue-dashboard',
      application: 'revenue-dashboard-app',
      product: `product-${id}`,
      classifications: ['confidential'],
      purpose: 'Monthly revenue',
      endsAt: new Date(now + endsIn).toISOString(),
    });
    access.update({ governed: ['confidential'], grants: [grant(1, -DAY), grant(2, DAY)] });
    expect(access.consumerOf('revenue-dashboard-app')).toBe('revenue-dashboard');
    expect(access.consumerOf('revenue-dashboard')).toBeUndefined();
    now += 2 * DAY;
    expect(access.consumerOf('revenue-dashboard-app')).toBeUndefined();
  });
});
