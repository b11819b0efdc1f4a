import { createHash } from 'node:crypto';
import type { FieldUsageRow as UsageRow } from '../contracts/field-usage.ts';
import type { Finding } from '../contracts/finding.ts';
import { AgreementsStore } from './agreements-store.ts';
import type { SqlRunner } from './sql-runner.ts';

/** One published version of a product, as the registry keeps it for good. */
export interface ProductVersion {
  id: number;
  product: string;
  version: string;
  /** `product.yaml` as published, byte for byte. */
  descriptor: string;
  /** `schema.graphql` as published, byte for byte. */
  sdl: string;
  /** Where gateways reach the product; undefined when it never said (gateways then need `subgraphUrls`). */
  url: string | undefined;
  /** The name of the token that published it. */
  publishedBy: string;
  publishedAt: string;
  /** The check that let this version in. */
  checkId: number;
}

/** One run of the checks, kept whether it passed or not: a team can see why it was refused. */
export interface CheckRecord {
  id: number;
  product: string;
  version: string | undefined;
  requestedBy: string;
  checkedAt: string;
  ok: boolean;
  findings: Finding[];
}

/**
 * An immutable, numbered build: the products (by version id) and governance it was made
 * of and the supergraph composed from them. The build with the highest number is current;
 * a rollback adds a new build pointing at an earlier one's supergraph and products.
 */
export interface Build {
  number: number;
  createdAt: string;
  reason: string;
  /** undefined when nothing of the mesh is served yet (only draft products). */
  supergraphHash: string | undefined;
  governanceId: number;
  versionIds: number[];
}

/** The mesh a build serves: what a check or `meshgate dev` composes against. */
export interface CurrentMesh {
  build: Build | undefined;
  products: ProductVersion[];
  governanceId: number;
  governance: string;
}

/** A governed change as an approval request holds it: the finding that named it and, for a takeover, whose coordinate it is. */
export interface GovernedChange {
  change: string;
  rule: Finding['rule'];
  element: string;
  message: string;
  /** For a takeover: the products that own the coordinate, any of which may consent. */
  owners?: string[];
}

/**
 * A request to let governed changes through, kept for good with its decision: who asked,
 * which product and version, which changes; who decided, in which role, when and why.
 */
export interface ApprovalRecord {
  id: number;
  product: string;
  version: string | undefined;
  changes: GovernedChange[];
  requestedBy: string;
  requestedAt: string;
  status: 'pending' | 'approved' | 'rejected';
  decidedBy?: string;
  /** The kind of token that decided: platform, steward, or the owning product (consent to a takeover). */
  decidedAs?: string;
  decidedAt?: string;
  reason?: string;
}

/** What the registry keeps. Two implementations, one SQL: PostgreSQL and an embedded DuckDB file. */
export interface RegistryStore {
  /** Consumers and access agreements (`AgreementsStore`), on the same database. */
  readonly agreements: AgreementsStore;
  currentBuild(): Promise<Build | undefined>;
  build(number: number): Promise<Build | undefined>;
  builds(): Promise<Build[]>;
  supergraph(hash: string): Promise<string | undefined>;
  versions(ids: readonly number[]): Promise<ProductVersion[]>;
  /** Every version ever published of one product, oldest first. */
  productHistory(product: string): Promise<ProductVersion[]>;
  governance(id: number): Promise<string | undefined>;
  latestGovernanceId(): Promise<number | undefined>;
  checks(product: string): Promise<CheckRecord[]>;
  addCheck(check: Omit<CheckRecord, 'id'>): Promise<number>;
  addVersion(version: Omit<ProductVersion, 'id'>): Promise<number>;
  addGovernance(text: string, setBy: string, setAt: string): Promise<number>;
  addBuild(build: Omit<Build, 'number' | 'supergraphHash'> & { supergraphSdl: string | undefined }): Promise<number>;
  addUsage(rows: readonly UsageRow[]): Promise<void>;
  usage(coordinate: string, sinceDay: string, untilDay: string): Promise<UsageRow[]>;
  /** Every approval request, oldest first. */
  approvals(): Promise<ApprovalRecord[]>;
  approval(id: number): Promise<ApprovalRecord | undefined>;
  addApproval(request: Omit<ApprovalRecord, 'id' | 'status' | 'decidedBy' | 'decidedAs' | 'decidedAt' | 'reason'>): Promise<number>;
  /** Decides a pending request; false when it was no longer pending (a decision is never changed). */
  decideApproval(id: number, decision: { status: 'approved' | 'rejected'; decidedBy: string; decidedAs: string; decidedAt: string; reason: string }): Promise<boolean>;
  /** The owners of every coordinate (`Type`, `Type.field`) the registry knows. */
  owners(): Promise<Map<string, string[]>>;
  addOwners(rows: readonly { coordinate: string; product: string }[], since: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Plain types only (TEXT, INTEGER, BIGINT, BOOLEAN) and ISO timestamps as text, so one
 * schema and one set of statements serve PostgreSQL and DuckDB alike.
 */
const TABLES = [
  `CREATE TABLE IF NOT EXISTS registry_checks (id INTEGER PRIMARY KEY, product TEXT NOT NULL, version TEXT, requested_by TEXT NOT NULL, checked_at TEXT NOT NULL, ok BOOLEAN NOT NULL, findings TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registry_versions (id INTEGER PRIMARY KEY, product TEXT NOT NULL, version TEXT NOT NULL, descriptor TEXT NOT NULL, sdl TEXT NOT NULL, url TEXT, published_by TEXT NOT NULL, published_at TEXT NOT NULL, check_id INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registry_governance (id INTEGER PRIMARY KEY, text TEXT NOT NULL, set_by TEXT NOT NULL, set_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registry_supergraphs (hash TEXT PRIMARY KEY, sdl TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registry_builds (number INTEGER PRIMARY KEY, created_at TEXT NOT NULL, reason TEXT NOT NULL, supergraph_hash TEXT, governance_id INTEGER NOT NULL, version_ids TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registry_usage (day TEXT NOT NULL, client TEXT NOT NULL, coordinate TEXT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (day, client, coordinate))`,
  // Usage under a verified application (a claim of the caller's token, read by the gateway) is
  // kept apart from usage under a client name alone; a table of its own, so stores made
  // before it need no change to their keys.
  `CREATE TABLE IF NOT EXISTS registry_application_usage (day TEXT NOT NULL, application TEXT NOT NULL, client TEXT NOT NULL, coordinate TEXT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (day, application, client, coordinate))`,
  `CREATE TABLE IF NOT EXISTS registry_approvals (id INTEGER PRIMARY KEY, product TEXT NOT NULL, version TEXT, changes TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at TEXT NOT NULL, status TEXT NOT NULL, decided_by TEXT, decided_as TEXT, decided_at TEXT, reason TEXT)`,
  `CREATE TABLE IF NOT EXISTS registry_owners (coordinate TEXT NOT NULL, product TEXT NOT NULL, since TEXT NOT NULL, PRIMARY KEY (coordinate, product))`,
];

const USAGE_ROWS_PER_STATEMENT = 250;

function supergraphHash(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex');
}

const text = (value: unknown): string => String(value);
const optionalText = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value));

function toBuild(row: Record<string, unknown>): Build {
  return {
    number: Number(row.number),
    createdAt: text(row.created_at),
    reason: text(row.reason),
    supergraphHash: optionalText(row.supergraph_hash),
    governanceId: Number(row.governance_id),
    versionIds: JSON.parse(text(row.version_ids)) as number[],
  };
}

function toApproval(row: Record<string, unknown>): ApprovalRecord {
  return {
    id: Number(row.id),
    product: text(row.product),
    version: optionalText(row.version),
    changes: JSON.parse(text(row.changes)) as GovernedChange[],
    requestedBy: text(row.requested_by),
    requestedAt: text(row.requested_at),
    status: text(row.status) as ApprovalRecord['status'],
    decidedBy: optionalText(row.decided_by),
    decidedAs: optionalText(row.decided_as),
    decidedAt: optionalText(row.decided_at),
    reason: optionalText(row.reason),
  };
}

function toVersion(row: Record<string, unknown>): ProductVersion {
  return {
    id: Number(row.id),
    product: text(row.product),
    version: text(row.version),
    descriptor: text(row.descriptor),
    sdl: text(row.sdl),
    url: optionalText(row.url),
    publishedBy: text(row.published_by),
    publishedAt: text(row.published_at),
    checkId: Number(row.check_id),
  };
}

/**
 * The registry's store over either database. Ids are taken as the next number in the
 * table: the registry serialises its writes, and the primary key turns a race between two
 * registry processes on one database into a failed request instead of a corrupt history.
 */
export class SqlRegistryStore implements RegistryStore {
  private constructor(
    private readonly sql: SqlRunner,
    readonly agreements: AgreementsStore,
  ) {}

  static async open(sql: SqlRunner): Promise<SqlRegistryStore> {
    for (const statement of TABLES) await sql.query(statement);
    return new SqlRegistryStore(sql, await AgreementsStore.open(sql));
  }

  private async nextId(table: string, column: string): Promise<number> {
    const [row] = await this.sql.query(`SELECT COALESCE(MAX(${column}), 0) + 1 AS next FROM ${table}`);
    return Number(row!.next);
  }

  async currentBuild(): Promise<Build | undefined> {
    const rows = await this.sql.query('SELECT * FROM registry_builds ORDER BY number DESC LIMIT 1');
    return rows[0] ? toBuild(rows[0]) : undefined;
  }

  async build(number: number): Promise<Build | undefined> {
    const rows = await this.sql.query('SELECT * FROM registry_builds WHERE number = $1', [number]);
    return rows[0] ? toBuild(rows[0]) : undefined;
  }

  async builds(): Promise<Build[]> {
    return (await this.sql.query('SELECT * FROM registry_builds ORDER BY number')).map(toBuild);
  }

  async supergraph(hash: string): Promise<string | undefined> {
    const rows = await this.sql.query('SELECT sdl FROM registry_supergraphs WHERE hash = $1', [hash]);
    return rows[0] ? text(rows[0].sdl) : undefined;
  }

  async versions(ids: readonly number[]): Promise<ProductVersion[]> {
    if (ids.length === 0) return [];
    // Ids are numbers from our own build rows, never caller text: inlining them is safe.
    const list = ids
      .map((id) => Number(id))
      .filter(Number.isInteger)
      .join(', ');
    return (await this.sql.query(`SELECT * FROM registry_versions WHERE id IN (${list}) ORDER BY product`)).map(toVersion);
  }

  async productHistory(product: string): Promise<ProductVersion[]> {
    return (await this.sql.query('SELECT * FROM registry_versions WHERE product = $1 ORDER BY id', [product])).map(toVersion);
  }

  async governance(id: number): Promise<string | undefined> {
    const rows = await this.sql.query('SELECT text FROM registry_governance WHERE id = $1', [id]);
    return rows[0] ? text(rows[0].text) : undefined;
  }

  async latestGovernanceId(): Promise<number | undefined> {
    const rows = await this.sql.query('SELECT MAX(id) AS id FROM registry_governance');
    return rows[0]?.id === null || rows[0]?.id === undefined ? undefined : Number(rows[0].id);
  }

  async checks(product: string): Promise<CheckRecord[]> {
    const rows = await this.sql.query('SELECT * FROM registry_checks WHERE product = $1 ORDER BY id', [product]);
    return rows.map((row) => ({
      id: Number(row.id),
      product: text(row.product),
      version: optionalText(row.version),
      requestedBy: text(row.requested_by),
      checkedAt: text(row.checked_at),
      ok: row.ok === true || row.ok === 'true',
      findings: JSON.parse(text(row.findings)) as Finding[],
    }));
  }

  async addCheck(check: Omit<CheckRecord, 'id'>): Promise<number> {
    const id = await this.nextId('registry_checks', 'id');
    await this.sql.query('INSERT INTO registry_checks (id, product, version, requested_by, checked_at, ok, findings) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      id,
      check.product,
      check.version ?? null,
      check.requestedBy,
      check.checkedAt,
      check.ok,
      JSON.stringify(check.findings),
    ]);
    return id;
  }

  async addVersion(version: Omit<ProductVersion, 'id'>): Promise<number> {
    const id = await this.nextId('registry_versions', 'id');
    await this.sql.query('INSERT INTO registry_versions (id, product, version, descriptor, sdl, url, published_by, published_at, check_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      id,
      version.product,
      version.version,
      version.descriptor,
      version.sdl,
      version.url ?? null,
      version.publishedBy,
      version.publishedAt,
      version.checkId,
    ]);
    return id;
  }

  async addGovernance(governance: string, setBy: string, setAt: string): Promise<number> {
    const id = await this.nextId('registry_governance', 'id');
    await this.sql.query('INSERT INTO registry_governance (id, text, set_by, set_at) VALUES ($1, $2, $3, $4)', [id, governance, setBy, setAt]);
    return id;
  }

  async addBuild(build: Omit<Build, 'number' | 'supergraphHash'> & { supergraphSdl: string | undefined }): Promise<number> {
    const hash = build.supergraphSdl === undefined ? null : supergraphHash(build.supergraphSdl);
    if (hash !== null && (await this.supergraph(hash)) === undefined) {
      await this.sql.query('INSERT INTO registry_supergraphs (hash, sdl) VALUES ($1, $2)', [hash, build.supergraphSdl!]);
    }
    const number = await this.nextId('registry_builds', 'number');
    await this.sql.query('INSERT INTO registry_builds (number, created_at, reason, supergraph_hash, governance_id, version_ids) VALUES ($1, $2, $3, $4, $5, $6)', [
      number,
      build.createdAt,
      build.reason,
      hash,
      build.governanceId,
      JSON.stringify(build.versionIds),
    ]);
    return number;
  }

  async addUsage(rows: readonly UsageRow[]): Promise<void> {
    // Totalled per key first: one statement may not touch a row twice (PostgreSQL refuses).
    const totals = new Map<string, UsageRow>();
    for (const row of rows) {
      const key = `${row.day}\u0000${row.client}\u0000${row.coordinate}\u0000${row.application ?? ''}`;
      const total = totals.get(key);
      if (total) total.count += row.count;
      else totals.set(key, { ...row });
    }
    const all = [...totals.values()];
    await this.insertUsage(
      'registry_usage',
      ['day', 'client', 'coordinate'],
      all.filter((row) => !row.application).map((row) => [row.day, row.client, row.coordinate, row.count]),
    );
    await this.insertUsage(
      'registry_application_usage',
      ['day', 'application', 'client', 'coordinate'],
      all.filter((row) => row.application).map((row) => [row.day, row.application!, row.client, row.coordinate, row.count]),
    );
  }

  /** Adds counts to a usage table: each row is its key's values, then the count. */
  private async insertUsage(table: string, key: readonly string[], rows: readonly (readonly (string | number)[])[]): Promise<void> {
    const width = key.length + 1;
    // A few hundred rows per statement; gateways add to the same row rather than racing to insert it.
    for (let start = 0; start < rows.length; start += USAGE_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + USAGE_ROWS_PER_STATEMENT);
      const values = chunk.map((_, index) => `(${key.map((_, i) => `$${index * width + i + 1}`).join(', ')}, $${index * width + width})`).join(', ');
      await this.sql.query(
        `INSERT INTO ${table} (${key.join(', ')}, count) VALUES ${values}
         ON CONFLICT (${key.join(', ')}) DO UPDATE SET count = ${table}.count + EXCLUDED.count`,
        chunk.flat(),
      );
    }
  }

  async usage(coordinate: string, sinceDay: string, untilDay: string): Promise<UsageRow[]> {
    const where = 'WHERE coordinate = $1 AND day >= $2 AND day <= $3';
    const rows = await this.sql.query(
      `SELECT day, client, coordinate, count, NULL AS application FROM registry_usage ${where}
       UNION ALL SELECT day, client, coordinate, count, application FROM registry_application_usage ${where}`,
      [coordinate, sinceDay, untilDay],
    );
    return rows.map((row) => ({
      day: text(row.day),
      client: text(row.client),
      coordinate: text(row.coordinate),
      count: Number(row.count),
      ...(row.application ? { application: text(row.application) } : {}),
    }));
  }

  async approvals(): Promise<ApprovalRecord[]> {
    return (await this.sql.query('SELECT * FROM registry_approvals ORDER BY id')).map(toApproval);
  }

  async approval(id: number): Promise<ApprovalRecord | undefined> {
    const rows = await this.sql.query('SELECT * FROM registry_approvals WHERE id = $1', [id]);
    return rows[0] ? toApproval(rows[0]) : undefined;
  }

  async addApproval(request: Omit<ApprovalRecord, 'id' | 'status' | 'decidedBy' | 'decidedAs' | 'decidedAt' | 'reason'>): Promise<number> {
    const id = await this.nextId('registry_approvals', 'id');
    await this.sql.query('INSERT INTO registry_approvals (id, product, version, changes, requested_by, requested_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      id,
      request.product,
      request.version ?? null,
      JSON.stringify(request.changes),
      request.requestedBy,
      request.requestedAt,
      'pending',
    ]);
    return id;
  }

  async decideApproval(id: number, decision: { status: 'approved' | 'rejected'; decidedBy: string; decidedAs: string; decidedAt: string; reason: string }): Promise<boolean> {
    // Only a pending request changes: two deciders racing leave the first decision on record.
    const rows = await this.sql.query("UPDATE registry_approvals SET status = $2, decided_by = $3, decided_as = $4, decided_at = $5, reason = $6 WHERE id = $1 AND status = 'pending' RETURNING id", [
      id,
      decision.status,
      decision.decidedBy,
      decision.decidedAs,
      decision.decidedAt,
      decision.reason,
    ]);
    return rows.length > 0;
  }

  async owners(): Promise<Map<string, string[]>> {
    const owners = new Map<string, string[]>();
    for (const row of await this.sql.query('SELECT coordinate, product FROM registry_owners ORDER BY since, product')) {
      const list = owners.get(text(row.coordinate)) ?? [];
      list.push(text(row.product));
      owners.set(text(row.coordinate), list);
    }
    return owners;
  }

  async addOwners(rows: readonly { coordinate: string; product: string }[], since: string): Promise<void> {
    const unique = [...new Map(rows.map((row) => [`${row.coordinate}\u0000${row.product}`, row])).values()];
    for (let start = 0; start < unique.length; start += USAGE_ROWS_PER_STATEMENT) {
      const chunk = unique.slice(start, start + USAGE_ROWS_PER_STATEMENT);
      const values = chunk.map((_, index) => `($${index * 3 + 1}, $${index * 3 + 2}, $${index * 3 + 3})`).join(', ');
      await this.sql.query(
        `INSERT INTO registry_owners (coordinate, product, since) VALUES ${values} ON CONFLICT (coordinate, product) DO NOTHING`,
        chunk.flatMap((row) => [row.coordinate, row.product, since]),
      );
    }
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}
