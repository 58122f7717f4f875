import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Aws, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { consoleContentSecurityPolicy } from '../../core/http/consoleHeaders.js';
import type { StageSettings } from '../stages.js';
import { logRetention, privateBucketProps, removalPolicy } from './data-stores.js';
import { REPO_ROOT } from './opsgraph-function.js';

/** The built console (`npm run build:console`). */
export const CONSOLE_DIST = path.join(REPO_ROOT, 'console', 'dist');

/** Properties of {@link ConsoleSite}. */
export interface ConsoleSiteProps {
  readonly stage: StageSettings;
}

/**
 * The ops console on AWS (docs/architecture.md, "The ops console"): the built files in a private bucket, served by
 * CloudFront through origin access control (no public bucket, no legacy OAI), with the same security headers as the
 * local server (core/http/consoleHeaders.ts). `publish` uploads the files and the `config.json` that tells the
 * console where the HTTP API is.
 *
 * The distribution is made before the HTTP API, so the API's CORS can name the console's origin; the headers allow
 * connections to any API Gateway endpoint of the stack's region instead of the API itself, which would be a cycle.
 *
 * @example
 * const site = new ConsoleSite(stack, 'Console', { stage });
 * site.publish(http.api.apiEndpoint);
 */
export class ConsoleSite extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly logs: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`: the origin the API's CORS must allow. */
  public readonly origin: string;

  private readonly stage: StageSettings;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const { stage } = props;
    this.stage = stage;
    // CloudFront's standard logs are written with ACLs, so this one bucket keeps object ACLs (writer-owned objects).
    this.logs = new s3.Bucket(this, 'Logs', {
      ...privateBucketProps(stage),
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ id: 'expire-logs', enabled: true, expiration: Duration.days(stage.logRetentionDays) }],
    });
    this.bucket = new s3.Bucket(this, 'Assets', {
      ...privateBucketProps(stage),
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/',
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: 'opsgraph console: scripts and styles from the site only',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleContentSecurityPolicy(`https://*.execute-api.${Aws.REGION}.amazonaws.com`),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `opsgraph ${stage.name} console`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
      },
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Operations staff sign in from anywhere; the files are public by nature and every API call needs a key or JWT, so no country is refused.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'The site is static files; the API behind it authenticates, scopes and rate-limits every call itself (core/auth/admit.ts); a WAF web ACL is a per-stage cost left to the operator.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason: "With CloudFront's default *.cloudfront.net certificate the viewer TLS policy is fixed by CloudFront; a custom domain with its own certificate would allow TLSv1.2_2021.",
      },
    );
    new CfnOutput(Stack.of(this), 'ConsoleUrl', { value: `${this.origin}/`, description: 'The ops console' });
  }

  /**
   * Uploads the built console and its `config.json` (the API's GraphQL URL), and refreshes CloudFront's cache.
   *
   * Every path is invalidated, not only `index.html`: `app.js` and `app.css` keep their names between builds and
   * the upload prunes the previous build's chunks, so a stale `app.js` at an edge would load chunks that are gone
   * (and `/`, the default root object, is cached under its own path). Browsers revalidate every file
   * (`max-age=0`, a 304 from the edge when unchanged); the edges keep them a day, until the next upload.
   *
   * @param dist the built console; default `console/dist`.
   */
  publish(apiEndpoint: string, dist: string = CONSOLE_DIST): void {
    if (!existsSync(path.join(dist, 'index.html'))) {
      throw new Error(`the console is not built (no index.html in ${dist}): run npm run build:console before synth`);
    }
    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [s3deploy.Source.asset(dist), s3deploy.Source.jsonData('config.json', { graphqlUrl: `${apiEndpoint}/graphql` })],
      cacheControl: [s3deploy.CacheControl.setPublic(), s3deploy.CacheControl.maxAge(Duration.seconds(0)), s3deploy.CacheControl.sMaxAge(Duration.days(1))],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      logGroup: new logs.LogGroup(this, 'DeployLogs', { retention: logRetention(this.stage), removalPolicy: removalPolicy(this.stage) }),
    });
    this.acknowledgeDeploymentHandler(deployment);
  }

  /**
   * BucketDeployment's upload function is CDK's own (one per stack, outside this construct): its runtime, its
   * managed logging policy and its S3 and CloudFront grants are CDK's, granted on this site's bucket and the CDK
   * assets bucket only, and it runs only while CloudFormation deploys.
   */
  private acknowledgeDeploymentHandler(deployment: s3deploy.BucketDeployment): void {
    const stack = Stack.of(this);
    const assetsId = stack.resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    const why = 'CDK\'s BucketDeployment handler copies the built console from the CDK assets bucket into this site\'s bucket at deploy time only';
    Validations.of(deployment.handlerRole).acknowledge(
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: `${why}; the managed policy lets it write its own logs, nothing else.` },
      ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${why}: CDK grants ${action} (read from the assets bucket, write and prune in the site bucket) on those two buckets only.`,
      })),
      { id: `AwsSolutions-IAM5[Resource::<${assetsId}.Arn>/*]`, reason: `${why}: it writes and prunes every object of the site bucket, whose keys are the build's file names.` },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]', reason: `${why}: the source zip lives in the CDK bootstrap assets bucket under a content hash.` },
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: `${why}; CloudFront's CreateInvalidation and GetInvalidation have no resource-level permissions, so CDK grants them on *.` },
    );
    const handler = stack.node.findChild('Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C');
    Validations.of(handler).acknowledge({ id: 'AwsSolutions-L1', reason: `${why}; its runtime is the one CDK chooses for it, and upgrading aws-cdk-lib moves it.` });
  }
}
