import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';

export interface EmbeddedStorage {
  dynamoEndpoint: string;
  kinesisEndpoint: string;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * Starts dynalite (DynamoDB API on LevelDB) and kinesalite (Kinesis API) on loopback, storing under `dataDir`
 * so data survives a restart. Port 0 picks free ports.
 *
 * @example
 * const storage = await startStorage('./.data');
 */
export async function startStorage(dataDir: string, ports: { dynamo?: number; kinesis?: number } = {}): Promise<EmbeddedStorage> {
  await mkdir(join(dataDir, 'dynamodb'), { recursive: true });
  await mkdir(join(dataDir, 'kinesis'), { recursive: true });
  const dynamoServer: Server = dynalite({ path: join(dataDir, 'dynamodb'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const kinesisServer: Server = kinesalite({
    path: join(dataDir, 'kinesis'),
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 50,
  });
  const dynamoPort = await listen(dynamoServer, ports.dynamo ?? 0);
  const kinesisPort = await listen(kinesisServer, ports.kinesis ?? 0);
  return {
    dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
    kinesisEndpoint: `http://127.0.0.1:${kinesisPort}`,
    async close() {
      await Promise.all([close(dynamoServer), close(kinesisServer)]);
    },
  };
}

/**
 * Starts the storage servers in a child process (see storageProcess.ts) and resolves with their endpoints.
 *
 * @example
 * const storage = await startStorageProcess('./.data');
 */
export async function startStorageProcess(dataDir: string): Promise<EmbeddedStorage> {
  const { fork } = await import('node:child_process');
  const child = fork(new URL('./storageProcess.ts', import.meta.url).pathname, [dataDir], {
    execArgv: ['--import', 'tsx', '--no-warnings'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const endpoints = await new Promise<{ dynamoEndpoint: string; kinesisEndpoint: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { dynamoEndpoint: string; kinesisEndpoint: string }));
    child.once('exit', (code) => reject(new Error(`storage process exited with code ${code}`)));
  });
  return {
    ...endpoints,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send('close', (err) => err && child.kill());
      await exited;
    },
  };
}
