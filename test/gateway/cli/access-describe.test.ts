import { describe, expect, it } from 'vitest';
import { describeAgreement, type AgreementAnswer } from '../../../gateway/cli/access-command.ts';

/**
 * The line `meshgate access` prints for an agreement, from the registry's JSON answer. The CLI
 * may be newer than the registry it talks to: a registry from before requests could name
 * scopes answers without `scopes`, and the line is printed all the same.
 */
const answer: AgreementAnswer = {
  id: 7,
  consumer: 'revenue-dashboard',
  product: 'sales',
  classifications: ['confidential'],
  purpose: 'Monthly revenue dashboard',
  endsAt: '2031-01-31T00:00:00.000Z',
  deciders: ['owner'],
  requestedBy: 'revenue-dashboard',
  requestedAt: '2030-11-02T10:00:00.000Z',
  status: 'pending',
  awaiting: ['owner'],
  decisions: [],
};

describe('meshgate access: one agreement on one line', () => {
  it('an answer without scopes (a registry that predates them) prints what it opens, naming no scope', () => {
    const older = JSON.parse(JSON.stringify(answer)) as AgreementAnswer;
    expect('scopes' in older).toBe(false);
    expect(describeAgreement(older)).toBe('#7 pending (awaiting owner): revenue-dashboard reads sales [confidential] until 2031-01-31T00:00:00.000Z for "Monthly revenue dashboard"');
  });

  it('an answer with scopes prints them beside what they opened', () => {
    expect(describeAgreement({ ...answer, scopes: ['finance:read'], status: 'active', awaiting: [] })).toBe(
      '#7 active: revenue-dashboard reads sales [confidential] as finance:read until 2031-01-31T00:00:00.000Z for "Monthly revenue dashboard"',
    );
  });
});
