import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import type { AnySchema, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * The standards' own published JSON schemas (test/fixtures/standards/, stored verbatim, each
 * file's origin in the README beside it), compiled with ajv. `strict: false` because the
 * standards' schemas carry keywords of their own (`example`, `javaType`) that are notes, not
 * rules; every `format` they use is checked (ajv-formats).
 */
export const STANDARDS = join(import.meta.dirname, '..', 'fixtures', 'standards');

function stored(path: string): AnySchema {
  return JSON.parse(readFileSync(join(STANDARDS, path), 'utf8')) as AnySchema;
}

// ajv-formats is CommonJS: under NodeNext its function is the module's `default`.
const addFormats = addFormatsModule.default;

function draft2019(): Ajv2019 {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

/** Bitol ODPS: the v1.1.0 schema, the published one that holds v1.0.0's approved shape (team object, open definition types). */
export const odpsSchema = draft2019().compile(stored('odps/odps-json-schema-v1.1.0.json'));

/** What `validate` finds wrong in `value`, one line each with its path under `where`; empty when valid. */
export function problemsOf(validate: ValidateFunction, value: unknown, where: string): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${where}${error.instancePath}: ${error.message ?? error.keyword}${error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : ''}`);
}
