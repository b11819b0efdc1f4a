import type { Command } from 'commander';
import { DEV_ANALYST_SCOPES, mintDevToken } from '../access/dev-identity.ts';

export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('Mint a development bearer token that `meshgate start` trusts (never in production)')
    .option('--scopes <scopes>', 'space-separated scopes', DEV_ANALYST_SCOPES)
    .option('--subject <sub>', 'the token subject', 'developer@localhost')
    .option('--hours <hours>', 'validity in hours (the gateway still refuses a token older than auth.maxTokenAgeSeconds, 24 h by default)', (value) => Number(value), 12)
    .action(async (options: { scopes: string; subject: string; hours: number }) => {
      if (process.env.NODE_ENV === 'production') throw new Error('meshgate token is for development only');
      console.log(await mintDevToken({ scopes: options.scopes, subject: options.subject, hours: options.hours }));
    });
}
