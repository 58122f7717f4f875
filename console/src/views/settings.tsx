import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';
import { API_KEYS, AUDIT, CREATE_API_KEY, ERASURE_JOBS, REQUEST_ERASURE, REVOKE_API_KEY } from '../queries';
import { ErrorBox, Loading, useAction, useQuery } from '../session';

const SCOPES = ['events:write', 'profiles:read', 'profiles:pii', 'segments:read', 'rules:write', 'campaigns:read', 'campaigns:write', 'analytics:read', 'admin'];

/** Administration: API keys, erasure requests and the audit log (admin only). */
export function SettingsView() {
  return (
    <>
      <ApiKeys />
      <Erasures />
      <AuditLog />
    </>
  );
}

function ApiKeys() {
  const i18n = useI18n();
  const { t } = i18n;
  const q = useQuery(API_KEYS, {});
  const create = useAction(CREATE_API_KEY);
  const revoke = useAction(REVOKE_API_KEY);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['profiles:read']);
  const [shown, setShown] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await create.run({ input: { name, scopes } });
    if (!data) return;
    setShown(data.createApiKey.key);
    setName('');
    q.reload();
  };
  return (
    <section className="card">
      <h2>{t('apiKeys')}</h2>
      <form onSubmit={submit}>
        <label>
          {t('name')} <input value={name} onChange={(e) => setName(e.target.value)} required data-testid="key-name" />
        </label>
        <fieldset>
          <legend>{t('scopes')}</legend>
          {SCOPES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} /> {s}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={create.busy || scopes.length === 0} data-testid="create-key">
          {t('createKey')}
        </button>
      </form>
      <ErrorBox error={create.error ?? revoke.error ?? q.error} />
      {shown && (
        <p className="note" role="status">
          {t('keyShownOnce')} <code data-testid="new-key">{shown}</code>
        </p>
      )}
      <Loading when={q.loading && !q.data} />
      <table data-testid="api-keys">
        <thead>
          <tr>
            <th scope="col">{t('name')}</th>
            <th scope="col">{t('scopes')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col">{t('created')}</th>
            <th scope="col">
              <span className="sr-only">{t('revoke')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(q.data?.apiKeys ?? []).map((k) => (
            <tr key={k.id}>
              <td>
                {k.name} <code>{k.id}</code>
              </td>
              <td>{k.scopes.join(', ')}</td>
              <td data-testid={`key-status-${k.name}`}>{i18n.status(k.status)}</td>
              <td>{k.createdAt ? i18n.dateTime(k.createdAt) : '–'}</td>
              <td>
                {k.status === 'ACTIVE' && (
                  <button
                    type="button"
                    onClick={async () => {
                      if (window.confirm(t('confirmRevoke')) && (await revoke.run({ id: k.id }))) q.reload();
                    }}
                    aria-label={`${t('revoke')} ${k.name}`}
                  >
                    {t('revoke')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Erasures() {
  const i18n = useI18n();
  const { t } = i18n;
  const q = useQuery(ERASURE_JOBS, {}, 5_000);
  const request = useAction(REQUEST_ERASURE);
  const [userId, setUserId] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!window.confirm(t('confirmErasure'))) return;
    if (await request.run({ userId })) {
      setUserId('');
      q.reload();
    }
  };
  return (
    <section className="card">
      <h2>{t('erasure')}</h2>
      <form className="toolbar" onSubmit={submit}>
        <label>
          {t('userId')} <input value={userId} onChange={(e) => setUserId(e.target.value)} required data-testid="erase-user" />
        </label>
        <button type="submit" disabled={request.busy} data-testid="request-erasure">
          {t('requestErasure')}
        </button>
      </form>
      <ErrorBox error={request.error ?? q.error} />
      <table data-testid="erasures">
        <thead>
          <tr>
            <th scope="col">{t('userId')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col">{t('requested')}</th>
            <th scope="col">{t('requestedBy')}</th>
            <th scope="col">{t('details')}</th>
          </tr>
        </thead>
        <tbody>
          {(q.data?.erasureJobs ?? []).map((j) => (
            <tr key={j.id}>
              <td>{j.userId}</td>
              <td>{i18n.status(j.status)}</td>
              <td>{i18n.dateTime(j.requestedAt)}</td>
              <td>{j.requestedBy}</td>
              <td className="small">{j.stores.map((s) => `${s.store} ${s.deleted}`).join(' · ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function AuditLog() {
  const i18n = useI18n();
  const { t } = i18n;
  const [subject, setSubject] = useState('');
  const [asked, setAsked] = useState<string>();
  const q = useQuery(AUDIT, asked ? { subject: asked } : null);
  return (
    <section className="card">
      <h2>{t('auditLog')}</h2>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(subject.trim());
        }}
      >
        <label>
          {t('subject')} <input value={subject} onChange={(e) => setSubject(e.target.value)} placeholder="apikey#key_…, profile#<userId>, segment#<id>" required data-testid="audit-subject" />
        </label>
        <button type="submit" data-testid="audit-search">
          {t('search')}
        </button>
      </form>
      <ErrorBox error={q.error} />
      <table data-testid="audit">
        <thead>
          <tr>
            <th scope="col">{t('at')}</th>
            <th scope="col">{t('action')}</th>
            <th scope="col">{t('details')}</th>
          </tr>
        </thead>
        <tbody>
          {(q.data?.audit.edges ?? []).map(({ node: e }) => (
            <tr key={`${e.at}${e.action}`}>
              <td>{i18n.dateTime(e.at)}</td>
              <td>{e.action}</td>
              <td>
                <code>{JSON.stringify(e.detail)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
