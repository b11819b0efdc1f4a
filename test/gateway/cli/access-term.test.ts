import { describe, expect, it } from 'vitest';
import { requestedEnd } from '../../../gateway/cli/access-command.ts';
import { MeshErrorCode } from '../../../schema/protocol/error-codes.ts';

describe('meshgate access request: the term asked for', () => {
  const now = new Date();
  const dayAfter = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);

  it('counts --for in days from the day it runs, and passes --until on as written', () => {
    expect(requestedEnd({ for: '90d' }, now)).toBe(dayAfter(90));
    expect(requestedEnd({ for: '1d' }, now)).toBe(dayAfter(1));
    expect(requestedEnd({ until: '2031-01-31' }, now)).toBe('2031-01-31');
  });

  it.each([
    [{}, /exactly one of --until/],
    [{ until: '2031-01-31', for: '30d' }, /exactly one of --until/],
    [{ for: '0d' }, /number of days such as 90d/],
    [{ for: '90' }, /number of days such as 90d/],
    [{ for: '-5d' }, /number of days such as 90d/],
    [{ for: '3m' }, /number of days such as 90d/],
    [{ for: '99999d' }, /number of days such as 90d/],
  ])('refuses %j with AGREEMENT_TERM_INVALID', (options, message) => {
    expect(() => requestedEnd(options, now)).toThrow(expect.objectContaining({ code: MeshErrorCode.AGREEMENT_TERM_INVALID, message: expect.stringMatching(message) }));
  });
});
