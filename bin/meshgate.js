#!/usr/bin/env node
// meshgate is written in TypeScript and runs it directly: register tsx's loader, then start the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../gateway/cli/main.ts');
