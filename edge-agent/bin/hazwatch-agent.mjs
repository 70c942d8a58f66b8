#!/usr/bin/env node
// The `hazwatch-agent` command. Sources are TypeScript run through tsx, like the `hazwatch` command, so
// it works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
