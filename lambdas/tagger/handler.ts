// placeholder until the handler lands; replaced in the next commits
export const handler = async (): Promise<void> => {};
