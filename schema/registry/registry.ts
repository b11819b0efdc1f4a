import { PRODUCT_NAME, safeParseDescriptor } from '../product/descriptor.ts';
import { clientUsageOf, type FieldUsageRow, type FieldUsageSource } from '../contracts/field-usage.ts';
import { finding, type Finding } from '../contracts/finding.ts';
import { parseGovernance } from '../contracts/governance.ts';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import { blocksPublish } from '../contracts/publish.ts';
import { utcDay } from '../base/utc-day.ts';
import type { AgreedConsumer } from '../contracts/compatibility.ts';
import { Agreements } from './agreements.ts';
import { approvedChanges, decideApproval, governedRefusalCode, isGoverned, requestApproval } from './approvals.ts';
import { assertWithinCheckLimits, DEFAULT_CHECK_LIMITS, type CheckLimits } from './check-limits.ts';
import { CheckRunner } from './check-runner.ts';
import type { ProductFiles } from './mesh-folder.ts';
import { claimedCoordinates, takeoverFindings } from './ownership.ts';
import type { BuildProduct, ComposedBuild } from './registry-compose.ts';
import type { ApprovalRecord, CurrentMesh, ProductVersion, RegistryStore } from './registry-store.ts';
import type { RegistryPrincipal } from './registry-tokens.ts';

/** A product's contract as a team sends it: to check, or to publish. */
export interface Candidate {
  product: string;
  descriptor: string;
  sdl: string;
  /** Where gateways reach the product. @default the URL its previous version gave */
  url?: string;
}

export interface CheckOutcome {
  ok: boolean;
  findings: Finding[];
}

/**
 * A publish's answer. `unchanged`: the very version was published before with the same
 * content, and this is that publish's answer (no new build, no new history row). A refusal
 * for governed changes alone carries their code and the approval request that asks for them.
 */
export type PublishOutcome = { ok: true; build: number; version: string; unchanged?: true } | { ok: false; findings: Finding[]; code?: MeshErrorCode; approval?: ApprovalRecord };

const findingKey = (f: Finding) => `${f.product}\u0000${f.rule}\u0000${f.element}\u0000${f.message}`;

const files = (version: ProductVersion): ProductFiles => ({ name: version.product, descriptor: version.descriptor, sdl: version.sdl });

/**
 * The registry: the source of truth of a mesh whose products live in repositories of
 * their own. Every publish runs the checks `meshgate check` runs, against the current
 * build's products and baselines, composes the supergraph with governance compiled in
 * and keeps it as a new numbered build. Writes run one at a time.
 */
export class Registry {
  private queue: Promise<unknown> = Promise.resolve();
  /** Findings the current mesh already has, per build: a publish is refused for the ones it adds. */
  private standing: { key: string; findings: Set<string> } | undefined;
  /** Consumers and their access agreements (`Agreements`). */
  readonly agreements: Agreements;
  /** Checks and compositions run here, off the event loop that answers `/healthz` and gateways' polls. */
  private readonly runner: CheckRunner;

  private constructor(
    readonly store: RegistryStore,
    private readonly today: () => string,
    now: () => Date,
    private readonly limits: CheckLimits,
  ) {
    this.agreements = new Agreements(this, now);
    this.runner = new CheckRunner({ usage: this.usage, timeoutMs: limits.checkTimeoutMs });
  }

  /**
   * Opens a registry on a store; the first start records `governance` as the mesh's governance.
   * `limits` bound what one contract may ask of a check (`CheckLimits`).
   */
  static async open(store: RegistryStore, options: { governance: string; today?: () => string; now?: () => Date; limits?: CheckLimits }): Promise<Registry> {
    if ((await store.latestGovernanceId()) === undefined) {
      parseGovernance(options.governance, 'registry governance');
      await store.addGovernance(options.governance, 'registry', new Date().toISOString());
    }
    const registry = new Registry(store, options.today ?? (() => utcDay()), options.now ?? (() => new Date()), options.limits ?? DEFAULT_CHECK_LIMITS);
    // A registry whose builds predate ownership: the current build's products own what they define.
    if ((await store.owners()).size === 0) await registry.recordOwners((await registry.mesh()).products, { everyType: true });
    return registry;
  }

  /** Runs `task` after every write before it: ids, builds and the check folder are never shared by two. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Usage the gateways posted, as usage-aware checks ask for it. */
  readonly usage: FieldUsageSource = {
    clientsUsing: async (coordinate, sinceDay, untilDay) => clientUsageOf(await this.store.usage(coordinate, sinceDay, untilDay)),
    close: async () => {},
  };

  async mesh(): Promise<CurrentMesh> {
    const build = await this.store.currentBuild();
    const governanceId = build?.governanceId ?? (await this.store.latestGovernanceId())!;
    const products = build ? await this.store.versions(build.versionIds) : [];
    return { build, products, governanceId, governance: (await this.store.governance(governanceId))! };
  }

  async baseline(name: string): Promise<ProductVersion> {
    const version = (await this.mesh()).products.find((p) => p.product === name);
    if (!version) throw new MeshError(MeshErrorCode.PRODUCT_UNKNOWN, `No version of product "${name}" is published`);
    return version;
  }

  /** The current build's supergraph, or undefined when nothing is served yet. */
  async supergraph(): Promise<{ build: number; sdl: string; hash: string } | undefined> {
    const build = await this.store.currentBuild();
    if (!build?.supergraphHash) return undefined;
    const sdl = await this.store.supergraph(build.supergraphHash);
    return sdl === undefined ? undefined : { build: build.number, sdl, hash: build.supergraphHash };
  }

  /** Each product's consumers under active agreements, as a check names them beside a breaking change. */
  private async agreedConsumers(): Promise<Record<string, AgreedConsumer[]>> {
    const byProduct = await this.agreements.consumersByProduct();
    return Object.fromEntries([...byProduct].map(([product, consumers]) => [product, consumers.map((c) => ({ consumer: c.consumer, purpose: c.purpose }))]));
  }

  private async standingFindings(mesh: CurrentMesh): Promise<Set<string>> {
    const key = `${mesh.build?.number ?? 0}/${mesh.governanceId}`;
    if (this.standing?.key !== key) {
      const current = mesh.products.map(files);
      const report = await this.runner.check({ products: current, baselines: current, governance: mesh.governance }, this.today());
      this.standing = { key, findings: new Set(report.findings.map(findingKey)) };
    }
    return this.standing.findings;
  }

  /**
   * What stops `candidate` from joining the current mesh: its own failed rules (as a local
   * `meshgate publish` sees them) and any finding it causes elsewhere, such as another
   * product's input port reading a field it removed.
   */
  private async blockingFindings(candidate: Candidate, mesh: CurrentMesh): Promise<Finding[]> {
    const standing = await this.standingFindings(mesh);
    const others = mesh.products.filter((p) => p.product !== candidate.product).map(files);
    const report = await this.runner.check(
      { products: [...others, { name: candidate.product, descriptor: candidate.descriptor, sdl: candidate.sdl }], baselines: mesh.products.map(files), governance: mesh.governance },
      this.today(),
      await this.agreedConsumers(),
    );
    const blocking = report.findings.filter((f) => {
      if (f.rule === 'compat/no-baseline' && f.product === candidate.product) return false; // publishing creates it
      return blocksPublish(candidate.product, f) || !standing.has(findingKey(f));
    });
    return [...blocking, ...(await this.servabilityFindings(candidate, mesh))];
  }

  /**
   * Why the build `candidate` would make is one no gateway serves (`admitSupergraph`),
   * beside any rule it fails: a check and a publish both say it, with the gateway's own code.
   * A composition that fails is not repeated here: the check's own findings say why.
   */
  private async servabilityFindings(candidate: Candidate, mesh: CurrentMesh): Promise<Finding[]> {
    const others = mesh.products.filter((p) => p.product !== candidate.product);
    const composed = await this.compose([...others, candidate], mesh.governance);
    return composed.ok ? [] : composed.findings.filter((f) => f.rule === 'supergraph/not-servable');
  }

  private async recordCheck(candidate: Candidate, requestedBy: string, findings: Finding[]): Promise<void> {
    const parsed = safeParseDescriptor(candidate.descriptor);
    await this.store.addCheck({
      product: candidate.product,
      version: parsed.ok ? parsed.descriptor.version : undefined,
      requestedBy,
      checkedAt: new Date().toISOString(),
      ok: findings.length === 0,
      findings,
    });
  }

  /** Records every product of `versions` as an owner of what it defines (see `claimedCoordinates`). */
  private async recordOwners(versions: readonly Pick<ProductVersion, 'product' | 'sdl'>[], options: { everyType?: boolean } = {}): Promise<void> {
    const owners = await this.store.owners();
    await this.store.addOwners(
      versions.flatMap((v) => claimedCoordinates(v.product, v.sdl, owners, options)),
      new Date().toISOString(),
    );
  }

  /** The version of `candidate` already published, if any. */
  private async publishedVersion(candidate: Candidate, version: string): Promise<ProductVersion | undefined> {
    return (await this.store.productHistory(candidate.product)).find((v) => v.version === version);
  }

  /**
   * Every finding that stops `candidate`, including takeovers of coordinates other products
   * own, less the governed changes an approval on record covers.
   */
  private async reviewedFindings(candidate: Candidate, mesh: CurrentMesh): Promise<(Finding & { owners?: string[] })[]> {
    const findings: (Finding & { owners?: string[] })[] = await this.blockingFindings(candidate, mesh);
    const parsed = safeParseDescriptor(candidate.descriptor);
    if (parsed.ok) findings.push(...takeoverFindings(candidate.product, parsed.descriptor.version, candidate.sdl, await this.store.owners()));
    const approved = await approvedChanges(this.store, candidate.product);
    return findings.filter((f) => !(isGoverned(f) && approved.has(f.change!)));
  }

  /** Runs every check on `candidate` against the current mesh; records the report and changes nothing else. */
  check(candidate: Candidate, requestedBy: string): Promise<CheckOutcome> {
    assertProductName(candidate.product);
    assertWithinCheckLimits(candidate, this.limits);
    return this.serialize(async () => {
      const findings = await this.reviewedFindings(candidate, await this.mesh());
      const parsed = safeParseDescriptor(candidate.descriptor);
      const existing = parsed.ok ? await this.publishedVersion(candidate, parsed.descriptor.version) : undefined;
      if (existing && !sameContract(existing, candidate)) {
        findings.push(
          finding(
            candidate.product,
            'version',
            'registry/version-exists',
            `${candidate.product} ${existing.version} is published already, with another contract`,
            `Bump version: a published version never changes.`,
          ),
        );
      }
      await this.recordCheck(candidate, requestedBy, findings);
      return { ok: findings.length === 0, findings };
    });
  }

  /** Checks `candidate`, then composes and stores a new build with it; refused with the findings on any failed check. */
  publish(candidate: Candidate, publishedBy: string): Promise<PublishOutcome> {
    assertProductName(candidate.product);
    assertWithinCheckLimits(candidate, this.limits);
    return this.serialize(async () => {
      const mesh = await this.mesh();
      const parsed = safeParseDescriptor(candidate.descriptor);
      // A version, once published, never changes: the same content again gets the same answer.
      const existing = parsed.ok ? await this.publishedVersion(candidate, parsed.descriptor.version) : undefined;
      if (existing && !sameContract(existing, candidate)) {
        throw new MeshError(
          MeshErrorCode.VERSION_EXISTS,
          `${candidate.product} ${existing.version} was published by ${existing.publishedBy} at ${existing.publishedAt} with another contract; a published version never changes: bump the version`,
        );
      }
      if (existing && (candidate.url === undefined || candidate.url === existing.url)) {
        const first = (await this.store.builds()).find((b) => b.versionIds.includes(existing.id));
        return { ok: true, build: first?.number ?? mesh.build?.number ?? 0, version: existing.version, unchanged: true };
      }
      // The same contract at a new URL (a team giving the URL an import could not know, or moving its service) is published as a new build.
      const reviewed = await this.reviewedFindings(candidate, mesh);
      if (reviewed.some((f) => !isGoverned(f)) || !parsed.ok) {
        await this.recordCheck(candidate, publishedBy, reviewed);
        return { ok: false, findings: reviewed };
      }
      if (reviewed.length > 0) {
        // Only governed changes are left: they wait for a decision, on record.
        await this.recordCheck(candidate, publishedBy, reviewed);
        const approval = await requestApproval(this.store, { product: candidate.product, version: parsed.descriptor.version, requestedBy: publishedBy, governed: reviewed });
        return { ok: false, findings: reviewed, code: governedRefusalCode(reviewed), approval };
      }
      const previous = mesh.products.find((p) => p.product === candidate.product);
      const url = candidate.url ?? previous?.url;
      const others = mesh.products.filter((p) => p.product !== candidate.product);
      const composed = await this.compose([...others, { product: candidate.product, descriptor: candidate.descriptor, sdl: candidate.sdl, url }], mesh.governance);
      if (!composed.ok) {
        await this.recordCheck(candidate, publishedBy, composed.findings);
        return { ok: false, findings: composed.findings };
      }
      const checkedAt = new Date().toISOString();
      const checkId = await this.store.addCheck({ product: candidate.product, version: parsed.descriptor.version, requestedBy: publishedBy, checkedAt, ok: true, findings: [] });
      const versionId = await this.store.addVersion({
        product: candidate.product,
        version: parsed.descriptor.version,
        descriptor: candidate.descriptor,
        sdl: candidate.sdl,
        url,
        publishedBy,
        publishedAt: checkedAt,
        checkId,
      });
      await this.recordOwners([candidate]);
      const build = await this.store.addBuild({
        createdAt: checkedAt,
        reason: `publish ${candidate.product} ${parsed.descriptor.version}`,
        supergraphSdl: composed.supergraphSdl,
        governanceId: mesh.governanceId,
        versionIds: [...others.map((p) => p.id), versionId],
      });
      return { ok: true, build, version: parsed.descriptor.version };
    });
  }

  /** Composes with governance compiled in and admits the result as a gateway would (`composeBuild`), off the event loop. */
  private compose(products: readonly BuildProduct[], governanceText: string): Promise<ComposedBuild> {
    return this.runner.compose(products, governanceText);
  }

  /**
   * Seeds an empty registry with a mesh that has lived in one repository: its published
   * baselines, checked together (each as its own baseline), become build 1. From then on
   * each team publishes from its own repository against them, so what the baselines
   * already promised (and rules leave alone in a baseline) carries over.
   */
  importMesh(products: readonly Candidate[], importedBy: string): Promise<{ ok: true; build: number } | { ok: false; findings: Finding[] }> {
    for (const product of products) {
      assertProductName(product.product);
      assertWithinCheckLimits(product, this.limits);
    }
    return this.serialize(async () => {
      const mesh = await this.mesh();
      if (mesh.build) throw new MeshError(MeshErrorCode.BAD_REQUEST, `The registry already has build ${mesh.build.number}: an import only seeds an empty registry; publish instead`);
      if (products.length === 0 || new Set(products.map((p) => p.product)).size !== products.length)
        throw new MeshError(MeshErrorCode.BAD_REQUEST, 'An import names each product once, and at least one');
      const baselines = products.map((p) => ({ name: p.product, descriptor: p.descriptor, sdl: p.sdl }));
      const report = await this.runner.check({ products: baselines, baselines, governance: mesh.governance }, this.today());
      const composed = report.ok ? await this.compose(products, mesh.governance) : undefined;
      if (!composed?.ok) return { ok: false, findings: composed && !composed.ok ? composed.findings : report.findings };
      const at = new Date().toISOString();
      const versionIds: number[] = [];
      for (const product of products) {
        const version = safeParseDescriptor(product.descriptor);
        if (!version.ok) return { ok: false, findings: report.findings }; // a passing check had every descriptor valid
        const checkId = await this.store.addCheck({ product: product.product, version: version.descriptor.version, requestedBy: importedBy, checkedAt: at, ok: true, findings: [] });
        versionIds.push(
          await this.store.addVersion({
            product: product.product,
            version: version.descriptor.version,
            descriptor: product.descriptor,
            sdl: product.sdl,
            url: product.url,
            publishedBy: importedBy,
            publishedAt: at,
            checkId,
          }),
        );
      }
      await this.recordOwners(products, { everyType: true });
      const build = await this.store.addBuild({ createdAt: at, reason: `import of ${products.length} products`, supergraphSdl: composed.supergraphSdl, governanceId: mesh.governanceId, versionIds });
      return { ok: true, build };
    });
  }

  /** Makes build `number` current again: a new build with its products, governance and supergraph. */
  rollback(number: number): Promise<number> {
    return this.serialize(async () => {
      const target = Number.isSafeInteger(number) && number > 0 ? await this.store.build(number) : undefined;
      if (!target) throw new MeshError(MeshErrorCode.BUILD_UNKNOWN, `There is no build ${number}`);
      const sdl = target.supergraphHash ? await this.store.supergraph(target.supergraphHash) : undefined;
      return this.store.addBuild({ createdAt: new Date().toISOString(), reason: `rollback to ${number}`, supergraphSdl: sdl, governanceId: target.governanceId, versionIds: target.versionIds });
    });
  }

  /**
   * Sets central governance. The current products are checked under it first; where they
   * would fail, nothing changes and the findings say why.
   */
  setGovernance(text: string, setBy: string): Promise<CheckOutcome & { build?: number }> {
    return this.serialize(async () => {
      try {
        parseGovernance(text, 'governance.yaml');
      } catch (error) {
        // Not a finding about the mesh: the file itself is not governance.
        throw new MeshError(MeshErrorCode.BAD_REQUEST, (error as Error).message);
      }
      const mesh = await this.mesh();
      const current = mesh.products.map(files);
      // The check thread keeps one folder per governance text: this one may yet be refused, and is never mistaken for the current one.
      const report = await this.runner.check({ products: current, baselines: current, governance: text }, this.today());
      const composed = report.ok ? await this.compose(mesh.products, text) : undefined;
      if (!composed?.ok) return { ok: false, findings: composed && !composed.ok ? composed.findings : report.findings };
      const governanceId = await this.store.addGovernance(text, setBy, new Date().toISOString());
      if (!mesh.build) return { ok: true, findings: [] };
      const build = await this.store.addBuild({ createdAt: new Date().toISOString(), reason: 'governance', supergraphSdl: composed.supergraphSdl, governanceId, versionIds: mesh.build.versionIds });
      return { ok: true, findings: [], build };
    });
  }

  /** Every approval request with its decision, oldest first. */
  approvals(): Promise<ApprovalRecord[]> {
    return this.store.approvals();
  }

  /** Approves or rejects a pending request as `principal` (see `decideApproval` for who may). */
  decide(id: number, principal: RegistryPrincipal, decision: 'approved' | 'rejected', reason: string): Promise<ApprovalRecord> {
    return this.serialize(() => decideApproval(this.store, id, principal, decision, reason));
  }

  /** Adds batched usage from a gateway. */
  recordUsage(rows: readonly FieldUsageRow[]): Promise<void> {
    return this.serialize(() => this.store.addUsage(rows));
  }

  async close(): Promise<void> {
    await this.queue;
    await this.runner.close();
    await this.store.close();
  }
}

/**
 * Whether a candidate has the contract of a published version: descriptor and SDL byte for
 * byte. The URL is where the product runs, not what it promises: it may change.
 */
function sameContract(published: ProductVersion, candidate: Candidate): boolean {
  return published.descriptor === candidate.descriptor && published.sdl === candidate.sdl;
}

export function assertProductName(name: string): void {
  if (!PRODUCT_NAME.test(name)) throw new MeshError(MeshErrorCode.BAD_REQUEST, `"${name.slice(0, 64)}" is not a product name: lower-case words joined by "-"`);
}
