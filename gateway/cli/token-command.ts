import type { Command } from 'commander';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { DEV_ANALYST_SCOPES } from '../access/dev-identity.ts';

export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('Mint a development bearer token that every local gateway in development trusts (start, serve, dev; never in production)')
    .option('--scopes <scopes>', 'space-separated scopes', DEV_ANALYST_SCOPES)
    .option('--subject <sub>', 'the token subject', 'developer@localhost')
    .option('--hours <hours>', 'validity in hours (the gateway still refuses a token older than auth.maxTokenAgeSeconds, 24 h by default)', (value) => Number(value), 12)
    .action(async (options: { scopes: string; subject: string; hours: number }) => {
      const [{ loadGatewayConfig }, { mintDevToken }] = await Promise.all([import('../config-loader.ts'), import('../access/dev-identity.ts')]);
      // The mode as the gateway would read it: NODE_ENV=production or `mode: production` in meshgate.yaml.
      if (loadGatewayConfig().mode === 'production') {
        throw new MeshError(
          MeshErrorCode.CONFIG_INVALID,
          'meshgate token mints development tokens only, and this gateway runs in production mode; production tokens come from your identity provider (auth.jwksUrl)',
        );
      }
      console.log(await mintDevToken({ scopes: options.scopes, subject: options.subject, hours: options.hours }));
    });
}
