import { useState, type FormEvent } from 'react';
import { ApiError, gql } from '../api';
import type { IdentityKind } from '../api.generated';
import { useI18n } from '../i18n';
import { PROFILE, PROFILE_JOURNEYS, USER_BY_IDENTITY, USERS } from '../queries';
import { go, useSubRoute } from '../router';
import { can, ErrorBox, Loading, useOperator, useQuery } from '../session';

const KINDS: readonly IdentityKind[] = ['USER_ID', 'EMAIL', 'PHONE', 'ANONYMOUS_ID', 'DEVICE_ID', 'WECHAT_OPENID', 'WECHAT_UNIONID'];

/** Find a person by any identity (or browse a tag), then read their whole profile. */
export function ProfilesView() {
  const [id] = useSubRoute();
  return id ? <Profile id={id} /> : <ProfileSearch />;
}

function ProfileSearch() {
  const { t } = useI18n();
  const op = useOperator();
  const [kind, setKind] = useState<IdentityKind>('USER_ID');
  const [value, setValue] = useState('');
  const [tag, setTag] = useState('');
  const [error, setError] = useState<ApiError>();
  const [notFound, setNotFound] = useState(false);
  const search = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setNotFound(false);
    try {
      const { userByIdentity } = await gql(op.session, USER_BY_IDENTITY, { kind, value: value.trim() });
      if (userByIdentity) go('profiles', userByIdentity.id);
      else setNotFound(true);
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <>
      <form className="toolbar" onSubmit={search} role="search">
        <label>
          {t('identityKind')}{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value as IdentityKind)}>
            {KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label>
          {t('identityValue')} <input value={value} onChange={(e) => setValue(e.target.value)} required />
        </label>
        <button type="submit">{t('search')}</button>
      </form>
      {notFound && <p role="status">{t('notFound')}</p>}
      <ErrorBox error={error} />
      <div className="toolbar">
        <label>
          {t('browseByTag')} <input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="high_value" />
        </label>
      </div>
      <UserList tag={tag.trim()} />
    </>
  );
}

function UserList({ tag }: { tag: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const q = useQuery(USERS, { filter: tag ? { tag } : null });
  return (
    <section className="card">
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      {q.data && (
        <>
          <p>
            {i18n.number(q.data.users.totalCount)} {t('profilesFound')}
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('userId')}</th>
                <th scope="col">{t('tags')}</th>
                <th scope="col">{t('churnRisk')}</th>
                <th scope="col">{t('orders')}</th>
                <th scope="col">{t('revenue')}</th>
                <th scope="col">{t('lastSeen')}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.users.edges.map(({ node: u }) => (
                <tr key={u.id}>
                  <td>
                    <a href={`#/profiles/${encodeURIComponent(u.id)}`}>{u.id}</a>
                  </td>
                  <td>{u.tags.map((tg) => tg.name).join(', ')}</td>
                  <td>{u.churn?.band ?? '–'}</td>
                  <td>{i18n.number(u.stats.orders)}</td>
                  <td>{i18n.number(u.stats.revenue, 2)}</td>
                  <td>{u.stats.lastSeenAt ? i18n.dateTime(u.stats.lastSeenAt) : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function Profile({ id }: { id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const op = useOperator();
  const q = useQuery(PROFILE, { id });
  const u = q.data?.user;
  return (
    <>
      <p>
        <a href="#/profiles">← {t('search')}</a>
      </p>
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      {q.data && !u && <p role="status">{t('notFound')}</p>}
      {u && (
        <>
          <h2 data-testid="profile-id">{u.id}</h2>
          {!can(op, 'profiles:pii') && <p className="note">{t('piiMasked')}</p>}
          <div className="grid2">
            <section className="card">
              <h3>{t('identities')}</h3>
              <ul data-testid="identities">
                {u.identities.map((i) => (
                  <li key={`${i.kind}:${i.value}`}>
                    <code>{i.kind}</code> {i.value}
                  </li>
                ))}
              </ul>
              <h3>{t('traits')}</h3>
              <pre data-testid="traits">{JSON.stringify(u.traits, null, 2)}</pre>
              <h3>{t('consent')}</h3>
              <pre>{JSON.stringify(u.consent, null, 2)}</pre>
            </section>
            <section className="card">
              <h3>{t('stats')}</h3>
              <dl className="facts">
                <dt>{t('orders')}</dt>
                <dd>{i18n.number(u.stats.orders)}</dd>
                <dt>{t('revenue')}</dt>
                <dd>{i18n.number(u.stats.revenue, 2)}</dd>
                <dt>{t('firstSeen')}</dt>
                <dd>{u.stats.firstSeenAt ? i18n.dateTime(u.stats.firstSeenAt) : '–'}</dd>
                <dt>{t('lastSeen')}</dt>
                <dd>{u.stats.lastSeenAt ? i18n.dateTime(u.stats.lastSeenAt) : '–'}</dd>
                <dt>{t('channel')}</dt>
                <dd>{u.stats.lastChannel ?? '–'}</dd>
                <dt>{t('country')}</dt>
                <dd>{u.stats.lastCountry ?? '–'}</dd>
              </dl>
              <h3>{t('churnRisk')}</h3>
              {u.churn ? (
                <div data-testid="churn">
                  <p>
                    <span className={`band band-${u.churn.band}`}>{u.churn.band}</span> {t('probability')} {i18n.percent(u.churn.probability)}
                  </p>
                  <p>{t('reasons')}:</p>
                  <ul>
                    {u.churn.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                </div>
              ) : (
                <p className="muted">–</p>
              )}
            </section>
            <section className="card">
              <h3>{t('tags')}</h3>
              <table data-testid="tags">
                <thead>
                  <tr>
                    <th scope="col">{t('tag')}</th>
                    <th scope="col">{t('since')}</th>
                    <th scope="col">{t('source')}</th>
                  </tr>
                </thead>
                <tbody>
                  {u.tags.map((tg) => (
                    <tr key={tg.name}>
                      <td>{tg.name}</td>
                      <td>{i18n.dateTime(tg.since)}</td>
                      <td>{tg.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h3>{t('segments')}</h3>
              <ul>
                {u.segments.map((s) => (
                  <li key={s.id}>{s.name}</li>
                ))}
              </ul>
            </section>
            {can(op, 'campaigns:read') && <Journeys id={u.id} />}
          </div>
          <section className="card">
            <h3>{t('timeline')}</h3>
            <ol className="timeline" data-testid="timeline">
              {u.events.edges.map(({ node: e }) => (
                <li key={e.eventId}>
                  <time dateTime={e.timestamp}>{i18n.dateTime(e.timestamp)}</time> <strong>{e.event ?? e.type}</strong>
                  {e.channel && <span className="muted"> · {e.channel}</span>} <code>{JSON.stringify(e.properties)}</code>
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </>
  );
}

function Journeys({ id }: { id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const q = useQuery(PROFILE_JOURNEYS, { id });
  return (
    <section className="card">
      <h3>{t('enrollments')}</h3>
      <ErrorBox error={q.error} />
      <ul data-testid="enrollments">
        {(q.data?.user?.enrollments ?? []).map((e) => (
          <li key={e.id}>
            <a href={`#/campaigns/${encodeURIComponent(e.campaignId)}`}>{e.campaignId}</a> v{e.version} · {i18n.status(e.state)} · {e.node} · {i18n.dateTime(e.enteredAt)}
            {e.endReason && ` · ${e.endReason}`}
          </li>
        ))}
      </ul>
      <h3>{t('messages')}</h3>
      <ul data-testid="messages">
        {(q.data?.outbox.edges ?? []).map(({ node: m }) => (
          <li key={m.id}>
            {i18n.dateTime(m.createdAt)} · {m.channel} · <strong>{i18n.status(m.status)}</strong>
            {m.reason && ` (${m.reason})`} · {m.subject ?? m.body.slice(0, 60)}
          </li>
        ))}
      </ul>
    </section>
  );
}
