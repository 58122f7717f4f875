/**
 * The parts of jose that token verification uses (`jwt.ts`), as a module of their own: `jwt.ts` imports it on the
 * first token, and a module behind a dynamic import keeps every export, so jose itself is not imported that way.
 */
export { createRemoteJWKSet, jwtVerify } from 'jose';
