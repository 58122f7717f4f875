import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Tags, Validations, type AppProps, type StackProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionDefinition } from '../core/platform/definitions.js';
import { OpsgraphAlarms } from './constructs/alarms.js';
import { ConsoleSite } from './constructs/console-site.js';
import { DataStores } from './constructs/data-stores.js';
import { DeadLetters } from './constructs/dead-letters.js';
import { EventArchive } from './constructs/event-archive.js';
import { OpsgraphHttpApi } from './constructs/http-api.js';
import { OpsgraphFunction, REPO_ROOT } from './constructs/opsgraph-function.js';
import { SignIn } from './constructs/sign-in.js';
import { checkStage, stageSettings, type StageSettings } from './stages.js';

/** Properties of {@link OpsgraphStack}. */
export interface OpsgraphStackProps extends StackProps {
  readonly stage: StageSettings;
  /**
   * The functions to deploy.
   *
   * @default every entry of `FUNCTIONS`
   */
  readonly functions?: readonly FunctionDefinition[];
}

/**
 * One stage of opsgraph: every table, stream and function of `core/platform/definitions.ts`, the HTTP API, the
 * dead-letter bucket of the stream mappings, the event archive (S3, Glue, Athena), the ops console (S3 behind
 * CloudFront), and alarms notifying the stage's SNS topic.
 * Nothing here names a particular table, stream or function: a new `FUNCTIONS` entry deploys with its triggers,
 * grants and routes without a change to `infra/` (docs/architecture.md, "Principles" 4).
 *
 * The stack is environment-agnostic (no account, region or lookups), so it synthesizes offline.
 *
 * @example
 * new OpsgraphStack(app, 'opsgraph-dev', { stage: STAGES.dev });
 */
export class OpsgraphStack extends Stack {
  public readonly stores: DataStores;
  public readonly functions: readonly OpsgraphFunction[];
  public readonly http: OpsgraphHttpApi;
  public readonly deadLetters: DeadLetters;
  public readonly archive: EventArchive;
  public readonly alarms: OpsgraphAlarms;
  public readonly signIn: SignIn;
  public readonly console: ConsoleSite;

  constructor(scope: Construct, id: string, props: OpsgraphStackProps) {
    super(scope, id, {
      description: `opsgraph (${props.stage.name}): real-time customer profiles, tags, segments and GraphQL`,
      ...props,
    });
    const { stage } = props;
    checkStage(stage);
    Tags.of(this).add('project', 'opsgraph');
    Tags.of(this).add('stage', stage.name);

    this.stores = new DataStores(this, 'Data', { stage });
    this.deadLetters = new DeadLetters(this, 'DeadLetters', { stage });
    this.archive = new EventArchive(this, 'Archive', { stage });
    this.signIn = new SignIn(this, 'SignIn', { stage });
    this.functions = (props.functions ?? Object.values(FUNCTIONS)).map(
      (definition) =>
        new OpsgraphFunction(this, `Fn-${definition.name}`, {
          definition,
          stage,
          stores: this.stores,
          deadLetters: this.deadLetters,
          archive: this.archive,
          jwtSettings: this.signIn.jwtSettings,
        }),
    );
    this.console = new ConsoleSite(this, 'Console', { stage });
    this.http = new OpsgraphHttpApi(this, 'Http', { stage, functions: this.functions, consoleOrigins: [this.console.origin] });
    this.console.publish(this.http.api.apiEndpoint);
    this.alarms = new OpsgraphAlarms(this, 'Alarms', {
      stage,
      functions: this.functions,
      stores: this.stores,
      deadLetters: this.deadLetters,
    });
    // Last, so it reaches every alarm any construct above defined.
    this.alarms.notifyFromEveryAlarm(this);
  }
}

/** The stack name of a stage. */
export function stackName(stage: StageSettings): string {
  return `opsgraph-${stage.name}`;
}

/**
 * The CDK app for one stage, with cdk-nag's AwsSolutions checks registered: `infra/app.ts` and the tests both
 * build it here, so tests check exactly what `cdk synth` produces.
 *
 * @param stageName the value of `-c stage=…`; an unknown or missing stage throws a clear error.
 * @example
 * const { app, stack } = createOpsgraphApp('dev');
 * app.synth();
 */
export function createOpsgraphApp(
  stageName: unknown,
  appProps?: AppProps,
  stackProps?: Partial<OpsgraphStackProps>,
): { app: App; stack: OpsgraphStack } {
  const app = new App(appProps);
  const stage = stageSettings(stageName ?? app.node.tryGetContext('stage'));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new OpsgraphStack(app, stackName(stage), { ...stackProps, stage });
  return { app, stack };
}

/**
 * `cdk.json`: the feature flags (`context`) and output directory the CDK CLI gives the app. Tests and the
 * CLI-less synth pass them to {@link createOpsgraphApp} so they build exactly what `cdk synth` builds.
 */
export function readCdkJson(): { context: Record<string, unknown>; output: string } {
  const json = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
    output?: string;
  };
  return { context: json.context ?? {}, output: path.resolve(REPO_ROOT, json.output ?? 'cdk.out') };
}
