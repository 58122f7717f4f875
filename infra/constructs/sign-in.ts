import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { JwtSettings } from '../../core/auth/jwt.js';
import type { StageSettings } from '../stages.js';

export interface SignInProps {
  readonly stage: StageSettings;
}

/**
 * Frontend sign-in for a stage (`signIn` in infra/stages.ts): a Cognito user pool with one group per mapped role
 * and an app client for the console, or an existing OIDC issuer. Either way, `jwtSettings` is what the ingest and
 * graphql functions get as `JWT_SETTINGS` (core/auth/jwt.ts); undefined when the stage takes no tokens.
 */
export class SignIn extends Construct {
  public readonly userPool?: cognito.UserPool;
  public readonly client?: cognito.UserPoolClient;
  /** `JWT_SETTINGS` as a string (with deploy-time tokens for a pool this stack makes). */
  public readonly jwtSettings?: string;

  constructor(scope: Construct, id: string, props: SignInProps) {
    super(scope, id);
    const signIn = props.stage.signIn;
    if (!signIn) return;
    if ('issuer' in signIn) {
      this.jwtSettings = JSON.stringify(signIn);
      return;
    }
    const pool = new cognito.UserPool(this, 'Users', {
      userPoolName: `opsgraph-${props.stage.name}-operators`,
      // Operators are invited by an admin, never sign themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: props.stage.removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    for (const group of Object.keys(signIn.cognito.groups)) {
      new cognito.CfnUserPoolGroup(this, `Group-${group}`, { userPoolId: pool.userPoolId, groupName: group });
    }
    const client = pool.addClient('Console', { authFlows: { userSrp: true }, generateSecret: false, preventUserExistenceErrors: true });
    this.userPool = pool;
    this.client = client;
    const settings: JwtSettings = {
      issuer: `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${pool.userPoolId}`,
      audience: client.userPoolClientId,
      scopesClaim: 'cognito:groups',
      claimScopes: signIn.cognito.groups as Record<string, string[]>,
      rateLimitPerSecond: 50,
    };
    this.jwtSettings = Stack.of(this).toJsonString(settings);
  }
}
