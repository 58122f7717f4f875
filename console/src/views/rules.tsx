import { useEffect, useState } from 'react';
import { ApiError, gql, type Session } from '../api';
import type { PreviewSegmentMutation, RulesQuery } from '../api.generated';
import { useI18n } from '../i18n';
import { AUDIT, CREATE_SEGMENT, CREATE_TAG_RULE, PREVIEW_SEGMENT, PREVIEW_TAG_RULE, RULES, UPDATE_SEGMENT, UPDATE_TAG_RULE } from '../queries';
import { go, useSubRoute } from '../router';
import { can, ErrorBox, Loading, useOperator, useQuery } from '../session';

type TagRule = RulesQuery['tagRules'][number];
type Segment = RulesQuery['segments'][number];
type Kind = 'segment' | 'tag';

/** Tag rules and segments as data: the list, and an editor that previews the expression as it is typed. */
export function RulesView() {
  const [kind, id] = useSubRoute() as [Kind | undefined, string | undefined];
  const q = useQuery(RULES, {});
  const i18n = useI18n();
  const { t } = i18n;
  if (kind && id !== undefined) {
    const existing = kind === 'segment' ? q.data?.segments.find((s) => s.id === id) : q.data?.tagRules.find((r) => r.id === id);
    if (id !== 'new' && !existing) return <Loading when={q.loading} />;
    return <Editor kind={kind} existing={existing} onSaved={q.reload} />;
  }
  return (
    <>
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      <section className="card">
        <h2>
          {t('segments')} <a className="button" href="#/rules/segment/new">{t('newSegment')}</a>
        </h2>
        <table data-testid="segments">
          <thead>
            <tr>
              <th scope="col">{t('name')}</th>
              <th scope="col">{t('expression')}</th>
              <th scope="col">{t('users')}</th>
              <th scope="col">{t('version')}</th>
            </tr>
          </thead>
          <tbody>
            {(q.data?.segments ?? []).map((s) => (
              <tr key={s.id}>
                <td>
                  <a href={`#/rules/segment/${encodeURIComponent(s.id)}`}>{s.name}</a>
                </td>
                <td>
                  <code>{s.expression}</code>
                </td>
                <td>{i18n.number(s.size)}</td>
                <td>{s.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>
          {t('tagRules')} <a className="button" href="#/rules/tag/new">{t('newTagRule')}</a>
        </h2>
        <table data-testid="tag-rules">
          <thead>
            <tr>
              <th scope="col">{t('tag')}</th>
              <th scope="col">{t('expression')}</th>
              <th scope="col">{t('enabled')}</th>
              <th scope="col">{t('version')}</th>
            </tr>
          </thead>
          <tbody>
            {(q.data?.tagRules ?? []).map((r) => (
              <tr key={r.id}>
                <td>
                  <a href={`#/rules/tag/${encodeURIComponent(r.id)}`}>{r.tag}</a>
                </td>
                <td>
                  <code>{r.expression}</code>
                </td>
                <td>{r.enabled ? '✓' : '–'}</td>
                <td>{r.version}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

type Preview = PreviewSegmentMutation['previewSegment'];

/** Previews an expression 400 ms after the last keystroke; a syntax error comes back from the API's own checker. */
function usePreview(kind: Kind, expression: string) {
  const op = useOperator();
  const [state, setState] = useState<{ preview?: Preview; error?: ApiError }>({});
  useEffect(() => {
    if (!expression.trim()) return setState({});
    let live = true;
    const timer = setTimeout(async () => {
      try {
        const preview =
          kind === 'segment'
            ? (await gql(op.session, PREVIEW_SEGMENT, { expression })).previewSegment
            : (await gql(op.session, PREVIEW_TAG_RULE, { expression })).previewTagRule;
        if (live) setState({ preview });
      } catch (err) {
        if (live) setState({ error: err as ApiError });
      }
    }, 400);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [op.session, kind, expression]);
  return state;
}

/** Creates the segment or tag rule, or updates it from the version the editor loaded; resolves to its id. */
async function saveDefinition(session: Session, kind: Kind, existing: Segment | TagRule | undefined, f: { name: string; description: string; expression: string }): Promise<string> {
  const version = existing && { id: existing.id, expectedVersion: existing.version };
  if (kind === 'segment') {
    const input = { name: f.name, description: f.description, expression: f.expression };
    return version ? (await gql(session, UPDATE_SEGMENT, { ...version, input })).updateSegment.id : (await gql(session, CREATE_SEGMENT, { input })).createSegment.id;
  }
  const input = { tag: f.name, description: f.description, expression: f.expression };
  return version ? (await gql(session, UPDATE_TAG_RULE, { ...version, input })).updateTagRule.id : (await gql(session, CREATE_TAG_RULE, { input })).createTagRule.id;
}

function Editor({ kind, existing, onSaved }: { kind: Kind; existing?: Segment | TagRule; onSaved: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const op = useOperator();
  const writable = can(op, 'rules:write');
  const [name, setName] = useState(existing ? ('name' in existing ? existing.name : existing.tag) : '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [expression, setExpression] = useState(existing?.expression ?? '');
  const [saved, setSaved] = useState(false);
  const preview = usePreview(kind, expression);
  const [save, setSave] = useState<{ busy: boolean; error?: ApiError }>({ busy: false });
  const submit = async () => {
    setSave({ busy: true });
    try {
      const id = await saveDefinition(op.session, kind, existing, { name, description, expression });
      setSave({ busy: false });
      setSaved(true);
      onSaved();
      if (!existing) go('rules', kind, id);
    } catch (err) {
      setSave({ busy: false, error: err as ApiError });
    }
  };
  return (
    <>
      <p>
        <a href="#/rules">← {t('navRules')}</a>
      </p>
      {!writable && <p className="note">{t('readOnly')}</p>}
      <div className="grid2">
        <section className="card">
          <label>
            {kind === 'segment' ? t('name') : t('tag')}
            <input value={name} onChange={(e) => setName(e.target.value)} disabled={!writable || existing !== undefined} />
          </label>
          <label>
            {t('description')}
            <input value={description} onChange={(e) => setDescription(e.target.value)} disabled={!writable} />
          </label>
          <label>
            {t('expression')}
            <textarea
              rows={5}
              spellCheck={false}
              value={expression}
              onChange={(e) => setExpression(e.target.value)}
              disabled={!writable}
              aria-invalid={preview.error ? true : undefined}
              aria-describedby="expression-error"
              data-testid="expression"
            />
          </label>
          <p id="expression-error" className="inline-error" role="status" data-testid="expression-error">
            {preview.error ? `${preview.error.code}: ${preview.error.message}` : ''}
          </p>
          {writable && (
            <button type="button" onClick={submit} disabled={save.busy || !name || !expression || preview.error !== undefined}>
              {t('save')}
            </button>
          )}
          {saved && <span role="status"> {t('saved')}</span>}
          <ErrorBox error={save.error} />
        </section>
        <section className="card" aria-live="polite">
          <h2>{t('preview')}</h2>
          {preview.preview && (
            <>
              <p data-testid="preview-count">
                <strong>{i18n.number(preview.preview.matched)}</strong> {t('matched')} / {i18n.number(preview.preview.evaluated)} {t('evaluated')}
              </p>
              <h3>{t('sampleMembers')}</h3>
              <ul data-testid="preview-sample">
                {preview.preview.sample.map((id) => (
                  <li key={id}>
                    <a href={`#/profiles/${encodeURIComponent(id)}`}>{id}</a>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
      {existing && <History subject={`${kind === 'segment' ? 'segment' : 'rule'}#${existing.id}`} />}
    </>
  );
}

function History({ subject }: { subject: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const admin = can(useOperator(), 'admin');
  const q = useQuery(AUDIT, admin ? { subject } : null);
  return (
    <section className="card">
      <h2>{t('history')}</h2>
      {!admin && <p className="muted">{t('historyNeedsAdmin')}</p>}
      <ErrorBox error={q.error} />
      <ol data-testid="history">
        {(q.data?.audit.edges ?? []).map(({ node: e }) => (
          <li key={e.at}>
            {i18n.dateTime(e.at)} · <strong>{e.action}</strong> <code>{JSON.stringify(e.detail)}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
