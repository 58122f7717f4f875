import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/**
 * One output of a stage's stack (`opsgraph-<stage>`), for the tools that reach a stage's buckets.
 *
 * @example
 * await stackOutput('prod', 'ArchiveBucketName')
 */
export async function stackOutput(stage: string, key: string, hint = ''): Promise<string> {
  const stackName = `opsgraph-${stage}`;
  const res = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
  const output = res.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  if (!output) throw new Error(`stack ${stackName} has no output ${key}${hint}`);
  return output;
}
