/**
 * Replay, checkpoint: the contiguous prefix of the plan the server has acknowledged, so an interrupted replay
 * resumes where it stopped. A checkpoint applies only to the plan it was written for (its fingerprint).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Checkpoint {
  fingerprint: string;
  total: number;
  /** Events [0, sent) of the plan were all acknowledged by the server. */
  sent: number;
  updatedAt: string;
}

/** Reads a checkpoint; null when absent, unreadable, or written for a different plan. */
export async function readCheckpoint(path: string, fingerprint: string): Promise<Checkpoint | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
  const c = parsed as Partial<Checkpoint> | null;
  if (!c || typeof c !== 'object' || c.fingerprint !== fingerprint || typeof c.sent !== 'number' || typeof c.total !== 'number') return null;
  if (!Number.isInteger(c.sent) || c.sent < 0 || c.sent > c.total) return null;
  return { fingerprint: c.fingerprint, total: c.total, sent: c.sent, updatedAt: String(c.updatedAt ?? '') };
}

export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(checkpoint) + '\n');
  await rename(tmp, path);
}
