import type { Classification } from '../product/descriptor.ts';
import type { AgreementDecider } from '../contracts/governance.ts';
import type { SqlRunner } from './sql-runner.ts';

/** An application that reads data products, with the team that answers for it. */
export interface Consumer {
  name: string;
  /** The value of the gateway's application claim in this consumer's tokens. @default its name */
  application: string;
  ownerTeam: string;
  contact: string;
  registeredBy: string;
  registeredAt: string;
}

/** A consumer's request to read one product's data of some classifications, for a purpose, until a date. */
export interface AgreementRequest {
  id: number;
  consumer: string;
  product: string;
  /** What the agreement opens on this product: the classifications named, and those the scopes asked for open there. */
  classifications: Classification[];
  /** The scopes the request named, as asked ([] when it named classifications only). */
  scopes: string[];
  purpose: string;
  /** ISO timestamp: access stops at this instant. */
  endsAt: string;
  /** Who must approve, as governance said when it was requested. */
  deciders: AgreementDecider[];
  requestedBy: string;
  requestedAt: string;
}

export const DECISIONS = ['approve', 'reject', 'revoke'] as const;
export type Decision = (typeof DECISIONS)[number];

/** One decision on a request, kept for good: who, in which role, when, why. A revocation is one too. */
export interface AgreementDecision {
  id: number;
  agreementId: number;
  decision: Decision;
  /** The role the decider acted in: the product's owner, a steward, or the platform (revocations only). */
  role: AgreementDecider | 'platform';
  decidedBy: string;
  decidedAt: string;
  reason: string;
}

/**
 * Plain types and ISO timestamps as text, as the registry's other tables, so one set of
 * statements serves PostgreSQL and DuckDB. Nothing is ever updated or deleted: an
 * agreement's state is read from its request and the decisions after it.
 */
const TABLES = [
  `CREATE TABLE IF NOT EXISTS registry_consumers (name TEXT PRIMARY KEY, application TEXT NOT NULL UNIQUE, owner_team TEXT NOT NULL, contact TEXT NOT NULL, registered_by TEXT NOT NULL, registered_at TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registry_agreements (id INTEGER PRIMARY KEY, consumer TEXT NOT NULL, product TEXT NOT NULL, classifications TEXT NOT NULL, purpose TEXT NOT NULL, ends_at TEXT NOT NULL, deciders TEXT NOT NULL, requested_by TEXT NOT NULL, requested_at TEXT NOT NULL)`,
  // Scopes came after the first agreements were kept: a request from before them named none.
  `ALTER TABLE registry_agreements ADD COLUMN IF NOT EXISTS scopes TEXT`,
  `CREATE TABLE IF NOT EXISTS registry_agreement_decisions (id INTEGER PRIMARY KEY, agreement_id INTEGER NOT NULL, decision TEXT NOT NULL, role TEXT NOT NULL, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, reason TEXT NOT NULL)`,
];

const text = (value: unknown): string => String(value);

function toConsumer(row: Record<string, unknown>): Consumer {
  return {
    name: text(row.name),
    application: text(row.application),
    ownerTeam: text(row.owner_team),
    contact: text(row.contact),
    registeredBy: text(row.registered_by),
    registeredAt: text(row.registered_at),
  };
}

function toRequest(row: Record<string, unknown>): AgreementRequest {
  return {
    id: Number(row.id),
    consumer: text(row.consumer),
    product: text(row.product),
    classifications: JSON.parse(text(row.classifications)) as Classification[],
    scopes: row.scopes === null || row.scopes === undefined ? [] : (JSON.parse(text(row.scopes)) as string[]),
    purpose: text(row.purpose),
    endsAt: text(row.ends_at),
    deciders: JSON.parse(text(row.deciders)) as AgreementDecider[],
    requestedBy: text(row.requested_by),
    requestedAt: text(row.requested_at),
  };
}

function toDecision(row: Record<string, unknown>): AgreementDecision {
  return {
    id: Number(row.id),
    agreementId: Number(row.agreement_id),
    decision: text(row.decision) as Decision,
    role: text(row.role) as AgreementDecision['role'],
    decidedBy: text(row.decided_by),
    decidedAt: text(row.decided_at),
    reason: text(row.reason),
  };
}

/**
 * Consumers, agreement requests and decisions, on the registry's own database. Ids are the
 * next number in the table, as in the registry store: writes are serialised by the caller,
 * and the primary key turns a race between two registries into a failed request.
 */
export class AgreementsStore {
  private constructor(private readonly sql: SqlRunner) {}

  static async open(sql: SqlRunner): Promise<AgreementsStore> {
    for (const statement of TABLES) await sql.query(statement);
    return new AgreementsStore(sql);
  }

  private async nextId(table: string): Promise<number> {
    const [row] = await this.sql.query(`SELECT COALESCE(MAX(id), 0) + 1 AS next FROM ${table}`);
    return Number(row!.next);
  }

  async consumer(name: string): Promise<Consumer | undefined> {
    const rows = await this.sql.query('SELECT * FROM registry_consumers WHERE name = $1', [name]);
    return rows[0] ? toConsumer(rows[0]) : undefined;
  }

  async consumerByApplication(application: string): Promise<Consumer | undefined> {
    const rows = await this.sql.query('SELECT * FROM registry_consumers WHERE application = $1', [application]);
    return rows[0] ? toConsumer(rows[0]) : undefined;
  }

  async consumers(): Promise<Consumer[]> {
    return (await this.sql.query('SELECT * FROM registry_consumers ORDER BY name')).map(toConsumer);
  }

  async addConsumer(consumer: Consumer): Promise<void> {
    await this.sql.query('INSERT INTO registry_consumers (name, application, owner_team, contact, registered_by, registered_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      consumer.name,
      consumer.application,
      consumer.ownerTeam,
      consumer.contact,
      consumer.registeredBy,
      consumer.registeredAt,
    ]);
  }

  async request(id: number): Promise<AgreementRequest | undefined> {
    const rows = await this.sql.query('SELECT * FROM registry_agreements WHERE id = $1', [id]);
    return rows[0] ? toRequest(rows[0]) : undefined;
  }

  async requests(): Promise<AgreementRequest[]> {
    return (await this.sql.query('SELECT * FROM registry_agreements ORDER BY id')).map(toRequest);
  }

  async addRequest(request: Omit<AgreementRequest, 'id'>): Promise<number> {
    const id = await this.nextId('registry_agreements');
    await this.sql.query(
      'INSERT INTO registry_agreements (id, consumer, product, classifications, scopes, purpose, ends_at, deciders, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [
        id,
        request.consumer,
        request.product,
        JSON.stringify(request.classifications),
        JSON.stringify(request.scopes),
        request.purpose,
        request.endsAt,
        JSON.stringify(request.deciders),
        request.requestedBy,
        request.requestedAt,
      ],
    );
    return id;
  }

  /** Every decision, oldest first. */
  async decisions(): Promise<AgreementDecision[]> {
    return (await this.sql.query('SELECT * FROM registry_agreement_decisions ORDER BY id')).map(toDecision);
  }

  async addDecision(decision: Omit<AgreementDecision, 'id'>): Promise<number> {
    const id = await this.nextId('registry_agreement_decisions');
    await this.sql.query('INSERT INTO registry_agreement_decisions (id, agreement_id, decision, role, decided_by, decided_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      id,
      decision.agreementId,
      decision.decision,
      decision.role,
      decision.decidedBy,
      decision.decidedAt,
      decision.reason,
    ]);
    return id;
  }
}
