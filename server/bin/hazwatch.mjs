#!/usr/bin/env node
// The `hazwatch` command. Sources are TypeScript run through tsx, so `npx hazwatch` works right
// after `npm ci` with no build step and can never run stale compiled code.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
