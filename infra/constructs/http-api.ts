import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CORS } from '../../core/http/cors.js';
import { physicalName } from '../../core/platform/definitions.js';
import type { StageSettings } from '../stages.js';
import { logRetention, removalPolicy } from './data-stores.js';
import type { OpsgraphFunction } from './opsgraph-function.js';

/** Properties of {@link OpsgraphHttpApi}. */
export interface OpsgraphHttpApiProps {
  readonly stage: StageSettings;
  /** All functions; those whose definition has `routes` get them. */
  readonly functions: readonly OpsgraphFunction[];
  /** Browser origins allowed besides the stage's `corsOrigins`: the console's site. */
  readonly consoleOrigins?: readonly string[];
}

/** One JSON object per request. No headers: the x-api-key never reaches the access log. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    responseLatencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integration.latency',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

/** A route of a `FUNCTIONS` entry, `"POST /v1/events"`, as API Gateway's method and path. */
export function parseRoute(route: string): { method: apigw.HttpMethod; path: string } {
  const match = /^([A-Z]+)\s+(\/\S*)$/.exec(route.trim());
  const method = match?.[1] as apigw.HttpMethod | undefined;
  if (!match || !method || !Object.values(apigw.HttpMethod).includes(method)) {
    throw new Error(`route ${JSON.stringify(route)} is not "<METHOD> /path" with an HTTP method API Gateway knows`);
  }
  return { method, path: match[2]! };
}

/**
 * The HTTPS endpoint: an API Gateway HTTP API with one Lambda-proxy route per `routes` entry of `FUNCTIONS`,
 * JSON access logs, and the stage's throttling on the `$default` stage.
 *
 * Routes carry no API Gateway authorizer: handlers authenticate every request themselves (`x-api-key`, hashed
 * keys in the `apikeys` table), the same way the local runtime does.
 *
 * @example
 * new OpsgraphHttpApi(stack, 'Http', { stage: STAGES.dev, functions });
 */
export class OpsgraphHttpApi extends Construct {
  public readonly api: apigw.HttpApi;
  public readonly stage: apigw.HttpStage;
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: OpsgraphHttpApiProps) {
    super(scope, id);
    const { stage: settings } = props;
    const apiName = physicalName(settings.name, 'api');
    const allowOrigins = settings.corsOrigins.includes('*') ? ['*'] : [...settings.corsOrigins, ...(props.consoleOrigins ?? [])];

    this.api = new apigw.HttpApi(this, 'Api', {
      apiName,
      description: `opsgraph ${settings.name}: ingest and GraphQL`,
      createDefaultStage: false,
      // API Gateway answers preflights and adds the headers itself (the local server does the same: core/http/cors.ts).
      ...(allowOrigins.length
        ? {
            corsPreflight: {
              allowOrigins,
              allowMethods: CORS.methods.map((m) => apigw.CorsHttpMethod[m]),
              allowHeaders: [...CORS.headers],
              exposeHeaders: [...CORS.exposeHeaders],
              maxAge: Duration.seconds(CORS.maxAgeSeconds),
            },
          }
        : {}),
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: `/aws/apigateway/${apiName}`,
      retention: logRetention(settings),
      removalPolicy: removalPolicy(settings),
    });

    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.throttle.rateLimit, burstLimit: settings.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const seen = new Map<string, string>();
    for (const fn of props.functions) {
      const routes = fn.definition.routes ?? [];
      if (routes.length === 0) continue;
      const integration = new HttpLambdaIntegration(`Integration-${fn.definition.name}`, fn.function);
      for (const route of routes) {
        const { method, path } = parseRoute(route);
        const key = `${method} ${path}`;
        const owner = seen.get(key);
        if (owner) throw new Error(`route ${key} is declared by both ${owner} and ${fn.definition.name}`);
        seen.set(key, fn.definition.name);
        this.api.addRoutes({ path, methods: [method], integration });
      }
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Every route is authenticated inside its Lambda handler: the x-api-key header is hashed and looked up in ' +
        'the apikeys DynamoDB table, with per-key scopes and rate limits, identically on AWS and in the local ' +
        'runtime. An API Gateway authorizer would duplicate that check and could not enforce the scopes.',
    });

    new CfnOutput(scope, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the HTTP API' });
  }
}
