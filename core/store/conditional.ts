/**
 * Whether `err` is DynamoDB's answer to a write whose `ConditionExpression` did not hold.
 *
 * @example
 * catch (err) { if (isConditionalCheckFailed(err)) return false; throw err; }
 */
export function isConditionalCheckFailed(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ConditionalCheckFailedException';
}

/**
 * Runs a conditional write: true when it was written, false when its condition did not hold; any other error is
 * thrown. The one conditional-check catch of core/store.
 *
 * @example
 * if (!(await ifConditionHolds(() => dynamo().send(new PutCommand({ …, ConditionExpression: 'attribute_not_exists(id)' }))))) {
 *   throw new VersionConflictError(…);
 * }
 */
export async function ifConditionHolds(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}
