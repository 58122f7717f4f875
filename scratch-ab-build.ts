import { bundleAsDeployed } from './bench/support.js';
const b = await bundleAsDeployed(process.argv[2] ?? 'lambdas/graphql/handler.ts', process.argv[3]!);
console.log(b.file, b.bytes, b.initBytes);
