import { lazy, Suspense, useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError, gql, loadConfig } from './api';
import { I18nContext, LOCALES, makeI18n, useI18n, type Label, type Locale } from './i18n';
import { VIEWER } from './queries';
import { currentRoute, useRoute } from './router';
import { ErrorBox, Loading, OperatorContext, type Operator } from './session';

// Each view is its own chunk, loaded when first opened: the first view does not wait for the journey editor.
const LOADERS = {
  overview: () => import('./views/overview').then((m) => ({ default: m.OverviewView })),
  profiles: () => import('./views/profiles').then((m) => ({ default: m.ProfilesView })),
  rules: () => import('./views/rules').then((m) => ({ default: m.RulesView })),
  campaigns: () => import('./views/campaigns').then((m) => ({ default: m.CampaignsView })),
  experiments: () => import('./views/experiments').then((m) => ({ default: m.ExperimentsView })),
  analytics: () => import('./views/analytics').then((m) => ({ default: m.AnalyticsView })),
  settings: () => import('./views/settings').then((m) => ({ default: m.SettingsView })),
};
// The view in the address starts loading now, alongside sign-in, not after it.
void LOADERS[(currentRoute()[0] ?? 'overview') as keyof typeof LOADERS]?.();

interface ViewDef {
  path: string;
  label: Label;
  scope: string;
  view: React.ComponentType;
}
const VIEWS: ViewDef[] = [
  { path: 'overview', label: 'navOverview', scope: 'analytics:read', view: lazy(LOADERS.overview) },
  { path: 'profiles', label: 'navProfiles', scope: 'profiles:read', view: lazy(LOADERS.profiles) },
  { path: 'rules', label: 'navRules', scope: 'segments:read', view: lazy(LOADERS.rules) },
  { path: 'campaigns', label: 'navCampaigns', scope: 'campaigns:read', view: lazy(LOADERS.campaigns) },
  { path: 'experiments', label: 'navExperiments', scope: 'campaigns:read', view: lazy(LOADERS.experiments) },
  { path: 'analytics', label: 'navAnalytics', scope: 'analytics:read', view: lazy(LOADERS.analytics) },
  { path: 'settings', label: 'navSettings', scope: 'admin', view: lazy(LOADERS.settings) },
];

// Where the API is, asked for at once, while the view's chunk loads, not after the first render.
const config = loadConfig();

const TOKEN = 'opsgraph.token';
const LOCALE = 'opsgraph.locale';

export function App() {
  const [locale, setLocale] = useState<Locale>(() => (localStorage.getItem(LOCALE) as Locale | null) ?? (navigator.language.startsWith('zh') ? 'zh-CN' : 'en'));
  const i18n = useMemo(() => makeI18n(locale), [locale]);
  const [operator, setOperator] = useState<Operator | null>(null);
  const [error, setError] = useState<ApiError>();
  const [checking, setChecking] = useState(() => sessionStorage.getItem(TOKEN) !== null);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = i18n.t('appName');
    localStorage.setItem(LOCALE, locale);
  }, [locale, i18n]);

  const signIn = async (token: string) => {
    setError(undefined);
    try {
      const { graphqlUrl } = await config;
      const session = { url: graphqlUrl, token };
      const { viewer } = await gql(session, VIEWER, {});
      // The key stays in this tab only (sessionStorage), never in a cookie or across tabs.
      sessionStorage.setItem(TOKEN, token);
      setOperator({ session, name: viewer.name, scopes: viewer.scopes });
    } catch (err) {
      sessionStorage.removeItem(TOKEN);
      setError(err as ApiError);
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    const saved = sessionStorage.getItem(TOKEN);
    if (saved) void signIn(saved);
  }, []);

  const signOut = () => {
    sessionStorage.removeItem(TOKEN);
    setOperator(null);
  };

  return (
    <I18nContext.Provider value={i18n}>
      <header className="top">
        <span className="brand">{i18n.t('appName')}</span>
        <label className="locale">
          {i18n.t('language')}{' '}
          <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {l === 'en' ? 'English' : '简体中文'}
              </option>
            ))}
          </select>
        </label>
        {operator && (
          <span className="who">
            {i18n.t('signedInAs')} <strong>{operator.name}</strong>{' '}
            <button type="button" onClick={signOut}>
              {i18n.t('signOut')}
            </button>
          </span>
        )}
      </header>
      {operator ? (
        <OperatorContext.Provider value={operator}>
          <Shell operator={operator} />
        </OperatorContext.Provider>
      ) : checking ? null : (
        <SignIn onSignIn={signIn} error={error} />
      )}
    </I18nContext.Provider>
  );
}

function SignIn({ onSignIn, error }: { onSignIn: (token: string) => void; error?: ApiError }) {
  const { t } = useI18n();
  const [token, setToken] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (token.trim()) onSignIn(token.trim());
  };
  return (
    <main className="signin">
      <h1>{t('signIn')}</h1>
      <form onSubmit={submit}>
        <label>
          {t('apiKeyLabel')}
          <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
        </label>
        <button type="submit">{t('signIn')}</button>
      </form>
      <p className="muted">{t('signInHint')}</p>
      <ErrorBox error={error} />
    </main>
  );
}

function Shell({ operator }: { operator: Operator }) {
  const { t } = useI18n();
  const route = useRoute();
  const allowed = VIEWS.filter((v) => operator.scopes.includes(v.scope));
  const current: ViewDef | undefined = VIEWS.find((v) => v.path === route[0]) ?? allowed[0];
  useEffect(() => {
    if (!route[0] && allowed[0]) window.location.replace(`#/${allowed[0].path}`);
  }, [route, allowed]);
  return (
    <div className="shell">
      <nav aria-label={t('views')}>
        <ul>
          {allowed.map((v) => (
            <li key={v.path}>
              <a href={`#/${v.path}`} aria-current={v === current ? 'page' : undefined}>
                {t(v.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main>
        {current && operator.scopes.includes(current.scope) ? (
          <>
            <h1>{t(current.label)}</h1>
            <Suspense fallback={<Loading when />}>
              <current.view />
            </Suspense>
          </>
        ) : (
          <p role="alert">{t('forbidden')}</p>
        )}
      </main>
    </div>
  );
}
