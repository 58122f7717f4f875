/**
 * The local stack's Kinesis for the command-line tools that put records back on a stream (`npm run dlq`,
 * `npm run archive`): the running stack's endpoint when given, else the embedded storage started for the command.
 */

/** Points the Kinesis client at the local stack's Kinesis, starting the embedded storage when nothing runs. */
export async function localKinesis(dataDir: string, endpoint: string | undefined): Promise<() => Promise<void>> {
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
  });
  if (endpoint) process.env.AWS_ENDPOINT_URL_KINESIS = endpoint;
  if (process.env.AWS_ENDPOINT_URL_KINESIS) return async () => {};
  const { startStorageProcess } = await import('../local/storage.js');
  const storage = await startStorageProcess(dataDir);
  process.env.AWS_ENDPOINT_URL_KINESIS = storage.kinesisEndpoint;
  const { resetClients } = await import('../core/aws/clients.js');
  resetClients();
  return async () => {
    resetClients();
    await storage.close();
  };
}
