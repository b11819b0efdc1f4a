import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { describeExpectation, fieldQualityRuleSchema, measureFieldMetric, meetsOperator, type LibraryRule } from '../../schema/product/quality-rules.ts';

const rules = z.array(fieldQualityRuleSchema);
const rule = (written: Record<string, unknown>) => rules.parse([written])[0] as LibraryRule;

describe('quality rules: what each ODCS metric counts', () => {
  const values = ['PLACED', null, 'SHIPPED', 'PLACED', 'N/A', '', undefined, 'LOST'];

  it('nullValues counts nulls and absent values', () => {
    expect(measureFieldMetric(rule({ metric: 'nullValues', mustBe: 0 }), values)).toBe(2);
  });

  it('missingValues counts the values listed as missing, null among them when listed', () => {
    expect(measureFieldMetric(rule({ metric: 'missingValues', arguments: { missingValues: [null, '', 'N/A'] }, mustBe: 0 }), values)).toBe(4);
    expect(measureFieldMetric(rule({ metric: 'missingValues', arguments: { missingValues: ['N/A'] }, mustBe: 0 }), values)).toBe(1);
  });

  it('invalidValues counts present values outside validValues, a pattern or a range; nulls are not invalid', () => {
    expect(measureFieldMetric(rule({ metric: 'invalidValues', arguments: { validValues: ['PLACED', 'SHIPPED'] }, mustBe: 0 }), values)).toBe(3);
    expect(measureFieldMetric(rule({ metric: 'invalidValues', arguments: { pattern: '^[A-Z]+$' }, mustBe: 0 }), values)).toBe(2);
    expect(measureFieldMetric(rule({ metric: 'invalidValues', arguments: { minimum: 0, maximum: 10 }, mustBe: 0 }), [-1, 0, 10, 10.5, null, '5'])).toBe(3);
  });

  it('duplicateValues counts values seen before, objects by content', () => {
    expect(measureFieldMetric(rule({ metric: 'duplicateValues', mustBe: 0 }), values)).toBe(1);
    expect(measureFieldMetric(rule({ metric: 'duplicateValues', mustBe: 0 }), [{ a: 1 }, { a: 1 }, { a: 2 }])).toBe(1);
  });

  it('unit: percent divides by the rows read', () => {
    expect(measureFieldMetric(rule({ metric: 'nullValues', mustBeLessThan: 30, unit: 'percent' }), values)).toBe(25);
    expect(measureFieldMetric(rule({ metric: 'nullValues', mustBe: 0, unit: 'percent' }), [])).toBe(0);
  });
});

describe('quality rules: operators', () => {
  const cases: [Record<string, unknown>, number, boolean, string][] = [
    [{ mustBe: 0 }, 0, true, 'must be 0'],
    [{ mustBe: 0 }, 1, false, 'must be 0'],
    [{ mustNotBe: 3 }, 3, false, 'must not be 3'],
    [{ mustBeGreaterThan: 5 }, 5, false, 'must be greater than 5'],
    [{ mustBeGreaterOrEqualTo: 5 }, 5, true, 'must be at least 5'],
    [{ mustBeLessThan: 5 }, 4.9, true, 'must be less than 5'],
    [{ mustBeLessOrEqualTo: 5 }, 6, false, 'must be at most 5'],
    [{ mustBeBetween: [1, 3] }, 3, true, 'must be between 1 and 3'],
    [{ mustBeBetween: [1, 3] }, 0, false, 'must be between 1 and 3'],
    [{ mustNotBeBetween: [1, 3] }, 2, false, 'must not be between 1 and 3'],
    [{ mustNotBeBetween: [1, 3] }, 4, true, 'must not be between 1 and 3'],
  ];
  for (const [operator, measured, ok, words] of cases) {
    it(`${JSON.stringify(operator)} with ${measured}: ${ok ? 'met' : 'broken'}`, () => {
      const parsed = rule({ metric: 'nullValues', ...operator });
      expect(meetsOperator(parsed, measured)).toBe(ok);
      expect(describeExpectation(parsed)).toBe(words);
    });
  }
});
