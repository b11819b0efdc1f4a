import { utcDay } from '../base/utc-day.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isApproved, loadApprovals } from './approvals-file.ts';
import { DECLARATION_FILE, safeParseDeclaration } from '../product/declaration.ts';
import { checkBoundaries } from './boundary.ts';
import { governanceShadows } from './governance-shadow.ts';
import { checkCompatibility, type AgreedConsumer, type CompatibilityOptions } from './compatibility.ts';
import { composeProducts } from './compose.ts';
import { formatProblem, type ProductStatus } from '../product/descriptor.ts';
import { finding, MESH, type Finding } from './finding.ts';
import type { Governance } from './governance.ts';
import { computeLineage, serializeLineage } from './lineage.ts';
import { lintClassificationConflicts, lintProduct, lintRestrictedNullability } from './lint.ts';
import { lintExposures, lintIneffectiveRestrictions } from './restriction-lint.ts';
import { lintQualityRules } from './quality-plan.ts';
import { isValidProduct, loadBaseline, loadMesh, type Mesh, type ValidProduct } from './mesh.ts';

/** Options of {@link runCheck}. */
export interface CheckOptions {
  /**
   * The mesh to check: a folder with `subgraphs/<product>/{product.yaml,schema.graphql}`,
   * `schema/governance.yaml` and `schema/published/`.
   * @default the repository
   */
  root?: string;
  /**
   * The day to check sunsets against, as `YYYY-MM-DD`.
   * @default today (UTC)
   */
  today?: string;
  /**
   * Recorded field usage: removing a deprecated field a client used within the
   * deprecation window then fails. @default no usage data (sunset dates alone decide)
   */
  usage?: CompatibilityOptions['usage'];
  /**
   * Each product's consumers under active access agreements (the registry's), by product
   * name: breaking changes name the consumers they would hit. @default none named
   */
  consumers?: Readonly<Record<string, readonly AgreedConsumer[]>>;
}

export interface CheckedProduct {
  name: string;
  version: string | undefined;
  status: ProductStatus | undefined;
  ok: boolean;
}

export interface CheckReport {
  ok: boolean;
  products: CheckedProduct[];
  findings: Finding[];
  durationMs: number;
}

/** Composition and lineage do not need a reachable URL; this one says so if it ever leaks. */
function placeholderUrl(name: string): string {
  return `http://${name}.invalid/graphql`;
}

function descriptorFindings(mesh: Mesh): Finding[] {
  const findings: Finding[] = [];
  for (const product of mesh.products) {
    const file = relative(mesh.paths.root, `${mesh.paths.subgraphs}/${product.folder}/product.yaml`);
    for (const problem of product.descriptorProblems) {
      findings.push(finding(product.name, problem.path, 'descriptor/invalid', formatProblem(problem), `Fix ${problem.path} in ${file}.`));
    }
    if (product.descriptor && product.descriptor.name !== product.folder) {
      findings.push(
        finding(
          product.name,
          'name',
          'descriptor/name-mismatch',
          `Descriptor name "${product.descriptor.name}" differs from its folder "${product.folder}"`,
          `Rename the folder or set name: ${product.folder} in ${file}.`,
        ),
      );
    }
    const declaration = join(mesh.paths.subgraphs, product.folder, DECLARATION_FILE);
    if (!product.sdlError && existsSync(declaration)) {
      const parsed = safeParseDeclaration(readFileSync(declaration, 'utf8'), readFileSync(join(mesh.paths.subgraphs, product.folder, 'schema.graphql'), 'utf8'));
      const shown = relative(mesh.paths.root, declaration);
      if (!parsed.ok) for (const problem of parsed.problems) findings.push(finding(product.name, problem.path, 'declaration/invalid', formatProblem(problem), `Fix ${problem.path} in ${shown}.`));
    }
    if (product.sdlError) {
      findings.push(finding(product.name, 'schema.graphql', 'schema/invalid-sdl', `schema.graphql does not parse: ${product.sdlError}`, 'Fix the GraphQL syntax in schema.graphql.'));
    }
  }
  return findings;
}

/** A composition error as a finding of `product` (or of the mesh). */
export function compositionFailure(product: string, error: string): Finding {
  return finding(product, 'schema.graphql', 'compose/failed', `Composition failed: ${error}`, 'Fix the subgraph SDL so that Apollo Federation composition accepts it.');
}

/**
 * Composes what production would serve and, when draft or proposed products exist, also
 * everything not retired: drafts are checked now, not on the day they are released.
 */
function compositionFindings(live: readonly ValidProduct[], composable: ReadonlySet<ProductStatus>, governance: Governance): Finding[] {
  // Nothing valid to compose: the descriptor findings already say why.
  if (live.length === 0) return [];
  const interfaces = live.map((product) => ({ ...product, url: placeholderUrl(product.name) }));
  const sets = [composable];
  if (live.some((product) => !composable.has(product.descriptor.status))) sets.push(new Set(live.map((p) => p.descriptor.status)));
  const findings = new Map<string, Finding>();
  const names = new Set(live.map((product) => product.name));
  for (const statuses of sets) {
    const result = composeProducts(interfaces, statuses, governance);
    if (result.ok) continue;
    for (const error of result.errors) {
      // Apollo prefixes an error with the subgraphs it concerns: "[sales] ...".
      const named = [...error.matchAll(/\[([a-z0-9-]+)\]/g)].map((m) => m[1]!).filter((n) => names.has(n));
      for (const product of named.length > 0 ? named : [MESH]) {
        findings.set(`${product}|${error}`, compositionFailure(product, error));
      }
    }
  }
  return [...findings.values()];
}

function lineageFindings(mesh: Mesh, live: readonly ValidProduct[]): Finding[] {
  const expected = serializeLineage(computeLineage(live));
  const current = existsSync(mesh.paths.lineage) ? readFileSync(mesh.paths.lineage, 'utf8') : undefined;
  if (current === expected) return [];
  const file = relative(mesh.paths.root, mesh.paths.lineage);
  return [finding(MESH, file, 'lineage/out-of-date', current === undefined ? `${file} is missing` : `${file} does not match the products' SDL`, 'Run `meshgate lineage` and commit the file.')];
}

/**
 * Runs every contract rule on every product of a mesh, with one rule set: descriptor,
 * composition, lint, boundaries, compatibility with the published baseline, lineage.
 * Every stage runs even when an earlier one failed, so one run lists everything to fix.
 */
export async function runCheck(options: CheckOptions = {}): Promise<CheckReport> {
  const started = performance.now();
  const today = options.today ?? utcDay();
  const mesh = loadMesh(options.root);
  const { governance } = mesh;
  const composable = new Set(governance.composableStatuses);
  // Retired products are removed from the mesh: nothing is promised about them any more.
  const live = mesh.products.filter(isValidProduct).filter((product) => product.descriptor.status !== 'retired');

  const findings: Finding[] = [...descriptorFindings(mesh), ...compositionFindings(live, composable, governance)];
  for (const product of live) findings.push(...lintProduct(product, governance), ...lintQualityRules(product), ...governanceShadows(product.name, product.descriptor.version, product.model.document));
  findings.push(...lintClassificationConflicts(live));
  findings.push(...lintExposures(live), ...lintIneffectiveRestrictions(live, governance));
  findings.push(...checkBoundaries(live, governance.composableStatuses));
  for (const product of live) {
    const baseline = loadBaseline(mesh.paths, product.name);
    findings.push(...lintRestrictedNullability(product, governance, baseline?.model));
    if (baseline) {
      findings.push(
        ...(await checkCompatibility(product, baseline, {
          today,
          deprecationWindowDays: governance.deprecationWindowDays,
          usage: options.usage,
          consumers: options.consumers && Object.hasOwn(options.consumers, product.name) ? options.consumers[product.name] : undefined,
        })),
      );
    } else if (composable.has(product.descriptor.status)) {
      findings.push(
        finding(
          product.name,
          `schema/published/${product.name}`,
          'compat/no-baseline',
          `${product.name} is ${product.descriptor.status} but has no published baseline`,
          `Run \`meshgate publish ${product.name}\` and commit schema/published/${product.name}/.`,
        ),
      );
    }
  }
  findings.push(...lineageFindings(mesh, live));
  // Governed changes a platform or steward approved in the mesh's approvals file pass.
  const approvals = loadApprovals(mesh.paths.approvals);
  if (approvals.length > 0) findings.splice(0, findings.length, ...findings.filter((f) => !isApproved(f, approvals)));

  const failing = new Set(findings.map((f) => f.product));
  return {
    ok: findings.length === 0,
    products: mesh.products.map((product) => ({
      name: product.name,
      version: product.descriptor?.version,
      status: product.descriptor?.status,
      ok: !failing.has(product.name),
    })),
    findings,
    durationMs: Math.round(performance.now() - started),
  };
}
