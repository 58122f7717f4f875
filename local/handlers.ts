import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FunctionDefinition } from '../core/platform/definitions.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Imports a function's handler from its entry file, as the Lambda runtime would. */
export async function loadHandler<T>(fn: FunctionDefinition): Promise<T> {
  const mod = (await import(pathToFileURL(join(ROOT, fn.entry)).href)) as { handler: T };
  return mod.handler;
}
