import type { Command } from 'commander';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { Agreement, Consumer } from '../../schema/registry/agreements.ts';
import { registryClient, type RegistryClientOptions } from './registry-client-options.ts';

/** An agreement as the registry answers it: one that predates requests by scope sends no `scopes`. */
export type AgreementAnswer = Omit<Agreement, 'scopes'> & Partial<Pick<Agreement, 'scopes'>>;

/** One agreement on one line: what `access list` prints and every decision echoes. */
export function describeAgreement(a: AgreementAnswer): string {
  const waiting = a.status === 'pending' ? ` (awaiting ${a.awaiting.join(' and ')})` : '';
  const asked = a.scopes ?? [];
  const scopes = asked.length > 0 ? ` as ${asked.join(', ')}` : '';
  return `#${a.id} ${a.status}${waiting}: ${a.consumer} reads ${a.product} [${a.classifications.join(', ')}]${scopes} until ${a.endsAt} for "${a.purpose}"`;
}

/**
 * The end a request asks for: `--until` as given (the registry judges it), or `--for Nd`
 * counted from today, so that a command written down today still works next year.
 */
export function requestedEnd(options: { until?: string; for?: string }, now = new Date()): string {
  if ((options.until === undefined) === (options.for === undefined)) throw new MeshError(MeshErrorCode.AGREEMENT_TERM_INVALID, 'give exactly one of --until <date> and --for <days>d');
  if (options.until !== undefined) return options.until;
  const days = /^([1-9]\d{0,3})d$/.exec(options.for!.trim());
  if (!days) throw new MeshError(MeshErrorCode.AGREEMENT_TERM_INVALID, `--for takes a number of days such as 90d, not "${options.for}"`);
  return new Date(now.getTime() + Number(days[1]) * 86_400_000).toISOString().slice(0, 10);
}

const withRegistry = (command: Command) => command.requiredOption('--registry <url>', 'the registry').option('--token <token>', 'a registry token (default: MESHGATE_REGISTRY_TOKEN)');

/**
 * `meshgate access`: access agreements in the registry. A consumer registers and requests
 * with its consumer token; the product's owner decides with the product token, a steward
 * with a steward token where governance asks one; anyone may list.
 */
export function registerAccessCommand(program: Command): void {
  const access = program.command('access').description('Access agreements: which consumer reads which product, for what purpose, approved by whom, until when');
  withRegistry(
    access
      .command('register')
      .description('Register a consumer: an application, the team that answers for it, and a contact (a consumer or platform token)')
      .argument('<consumer>', 'the consumer name, kebab-case')
      .requiredOption('--team <team>', 'the team that owns the application')
      .requiredOption('--contact <contact>', 'who answers for it (e-mail or URL)')
      .option('--application <id>', "the value of the gateways' application claim in its tokens (default: the consumer name)"),
  ).action(async (name: string, options: RegistryClientOptions & { team: string; contact: string; application?: string }) => {
    const consumer = await (await registryClient(options)).call<Consumer>('POST', '/v1/consumers', {
      name,
      ownerTeam: options.team,
      contact: options.contact,
      ...(options.application ? { application: options.application } : {}),
    });
    console.log(`registered consumer ${consumer.name} (application "${consumer.application}", owned by ${consumer.ownerTeam})`);
  });
  withRegistry(
    access
      .command('request')
      .description("Ask to read a product's data of some classifications (or what some scopes open), for a purpose, until a date")
      .argument('<product>', 'the product to read')
      .requiredOption('--consumer <consumer>', 'the consumer asking')
      .option('--classifications <list>', 'comma-separated, e.g. confidential,restricted')
      .option('--scopes <list>', "comma-separated scopes, e.g. finance:read: the product's classifications under agreement that a token with them would read")
      .requiredOption('--purpose <text>', 'what the data is for')
      .option('--until <date>', 'the end date (YYYY-MM-DD, or an ISO timestamp)')
      .option('--for <days>', 'the term from today instead of an end date, in days (e.g. 90d)'),
  ).action(async (product: string, options: RegistryClientOptions & { consumer: string; classifications?: string; scopes?: string; purpose: string; until?: string; for?: string }) => {
    const list = (value: string | undefined) =>
      (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    const [classifications, scopes] = [list(options.classifications), list(options.scopes)];
    if (classifications.length + scopes.length === 0) throw new MeshError(MeshErrorCode.BAD_REQUEST, 'name what to read: --classifications <list>, --scopes <list>, or both');
    const endsAt = requestedEnd(options);
    const agreement = await (await registryClient(options)).call<AgreementAnswer>('POST', '/v1/agreements', {
      consumer: options.consumer,
      product,
      ...(classifications.length > 0 ? { classifications } : {}),
      ...(scopes.length > 0 ? { scopes } : {}),
      purpose: options.purpose,
      endsAt,
    });
    console.log(`requested ${describeAgreement(agreement)}`);
  });
  for (const [decision, verb, help] of [
    ['approve', 'approved', "Approve a pending request (the product's token as its owner, a steward token as steward)"],
    ['reject', 'rejected', 'Reject a pending request'],
    ['revoke', 'revoked', 'Revoke an agreement: gateways stop granting it on their next poll'],
  ] as const) {
    withRegistry(access.command(decision).description(help).argument('<id>', 'the agreement number').requiredOption('--reason <text>', 'why: kept in the history')).action(
      async (id: string, options: RegistryClientOptions & { reason: string }) => {
        const agreement = await (await registryClient(options)).call<AgreementAnswer>('POST', `/v1/agreements/${encodeURIComponent(id)}/decisions`, { decision, reason: options.reason });
        console.log(`${verb} ${describeAgreement(agreement)}`);
      },
    );
  }
  withRegistry(access.command('list').description('List agreements, pending first').option('--product <product>', "one product's").option('--consumer <consumer>', "one consumer's")).action(
    async (options: RegistryClientOptions & { product?: string; consumer?: string }) => {
      const query = new URLSearchParams({ ...(options.product ? { product: options.product } : {}), ...(options.consumer ? { consumer: options.consumer } : {}) }).toString();
      const agreements = await (await registryClient(options)).call<AgreementAnswer[]>('GET', `/v1/agreements${query ? `?${query}` : ''}`);
      if (agreements.length === 0) console.log('no agreements');
      for (const agreement of agreements) console.log(describeAgreement(agreement));
    },
  );
}
