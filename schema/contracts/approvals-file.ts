import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { describeIssues, PRODUCT_NAME } from '../product/descriptor.ts';
import type { Finding } from './finding.ts';
import { ConfigError, MeshErrorCode } from '../protocol/error-codes.ts';

/**
 * Approvals of governed changes in a mesh kept in one repository: `schema/approvals.yaml`.
 * A repository has no principals of its own, so the file is the record, and its review is
 * the approval: protect it as governance is protected (CODEOWNERS naming the platform and
 * steward teams, required review). Each entry says who approved which change, when and why.
 * @example
 * approvals:
 *   - change: 3f2a9c1b7d4e5a60
 *     product: customers
 *     coordinates: [Customer.billingCountry]
 *     approvedBy: jane.doe
 *     role: steward
 *     approvedAt: 2026-05-04
 *     reason: Country codes are public reference data (DPO ticket 4411).
 */
const approvalSchema = z.strictObject({
  /** The governed change's id, as `meshgate check` prints it. */
  change: z.string().regex(/^[0-9a-f]{16}$/, 'must be the 16 hex digits of a governed change id'),
  product: z.string().regex(PRODUCT_NAME, 'must be a product name in kebab-case'),
  coordinates: z.array(z.string().min(1)).min(1),
  approvedBy: z.string().min(1),
  role: z.enum(['platform', 'steward']),
  approvedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'must be a date, YYYY-MM-DD'),
  reason: z.string().min(1),
});

const fileSchema = z.strictObject({ approvals: z.array(approvalSchema).default([]) });

export type RepositoryApproval = z.infer<typeof approvalSchema>;

/** The approvals of a mesh; none when the file does not exist. A file that does not read is refused, naming what is wrong. */
export function loadApprovals(path: string): RepositoryApproval[] {
  if (!existsSync(path)) return [];
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, [`not valid YAML: ${(error as Error).message}`]);
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, describeIssues(result.error.issues, raw));
  return result.data.approvals;
}

/** Whether an approval on record covers a governed finding: the same product and the very change. */
export function isApproved(f: Finding, approvals: readonly Pick<RepositoryApproval, 'change' | 'product'>[]): boolean {
  return f.change !== undefined && approvals.some((a) => a.change === f.change && a.product === f.product);
}
