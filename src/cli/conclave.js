#!/usr/bin/env node
// The installed `conclave` command. The sources are TypeScript run through
// tsx; this shim registers the loader and hands over to the real entry.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
