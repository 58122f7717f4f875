import { startStorage } from './storage.js';

/*
 * Runs dynalite and kinesalite in a child process of the local stack, so the storage servers get their own
 * core instead of competing with the handlers and the gateway for one event loop. Started by
 * `startStorageProcess`; reports its endpoints over IPC and stops on a "close" message.
 */
const dataDir = process.argv[2];
if (!dataDir || !process.send) throw new Error('storageProcess is started by startStorageProcess');
const storage = await startStorage(dataDir);
process.send({ dynamoEndpoint: storage.dynamoEndpoint, kinesisEndpoint: storage.kinesisEndpoint });
process.on('message', async (message) => {
  if (message === 'close') {
    await storage.close();
    process.exit(0);
  }
});
// Ctrl-C reaches the whole process group: the parent closes the servers once the functions have stopped. The
// parent going away (crash) must not leave the servers running.
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
