import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Checks a `YYYY-MM-DD` argument; names the argument and the value it got when it is not one. */
export function readIsoDate(argument: string, value: string): string {
  if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    // The bad value is not echoed back: an error message is no place to reflect input.
    throw new MeshError(MeshErrorCode.INVALID_ARGUMENT, `"${argument}" must be a date as YYYY-MM-DD`);
  }
  return value;
}

/** A `from`/`to` pair of dates where `from` is not after `to`. */
export function readDateRange(args: { from: string; to: string }): { from: string; to: string } {
  const from = readIsoDate('from', args.from);
  const to = readIsoDate('to', args.to);
  if (from > to) throw new MeshError(MeshErrorCode.INVALID_ARGUMENT, `"from" (${from}) is after "to" (${to})`);
  return { from, to };
}

/** An integer argument within bounds. */
export function readIntInRange(argument: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MeshError(MeshErrorCode.INVALID_ARGUMENT, `"${argument}" must be an integer from ${min} to ${max} (got ${value})`);
  }
  return value;
}

const ISO_MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Checks a `YYYY-MM` argument, in the same words as {@link readIsoDate}. */
export function readIsoMonth(argument: string, value: string): string {
  if (!ISO_MONTH.test(value)) throw new MeshError(MeshErrorCode.INVALID_ARGUMENT, `"${argument}" must be a month as YYYY-MM`);
  return value;
}
