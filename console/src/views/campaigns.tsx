import { useCallback, useEffect, useMemo, useState } from 'react';
import { Background, Controls, Handle, Position, ReactFlow, useReactFlow, type Connection, type Edge, type Node, type NodeProps, type NodeChange, applyNodeChanges } from '@xyflow/react';
import { ApiError, gql } from '../api';
import type { CampaignStatus } from '../api.generated';
import { useI18n } from '../i18n';
import { addNode, connect, layout, NODE_TYPES, portsOf, problemsByNode, removeNode, type JourneyDoc, type JourneyNode, type Problem } from '../journey/graph';
import { CAMPAIGN, CAMPAIGNS, CREATE_FROM_TEMPLATE, SET_CAMPAIGN_STATUS, SIMULATE_JOURNEY, UPDATE_CAMPAIGN, VALIDATE_JOURNEY } from '../queries';
import { go, useSubRoute } from '../router';
import { can, ErrorBox, Loading, useAction, useOperator, useQuery } from '../session';

/** Campaigns: the list with stats, templates, and each journey as an editable flow diagram. */
export function CampaignsView() {
  const [id] = useSubRoute();
  return id ? <CampaignEditor id={id} /> : <CampaignList />;
}

function CampaignList() {
  const i18n = useI18n();
  const { t } = i18n;
  const op = useOperator();
  const q = useQuery(CAMPAIGNS, {});
  const create = useAction(CREATE_FROM_TEMPLATE);
  const [names, setNames] = useState<Record<string, string>>({});
  return (
    <>
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      <section className="card">
        <table data-testid="campaigns">
          <thead>
            <tr>
              <th scope="col">{t('name')}</th>
              <th scope="col">{t('status')}</th>
              <th scope="col">{t('entered')}</th>
              <th scope="col">{t('active')}</th>
              <th scope="col">{t('sent')}</th>
              <th scope="col">{t('converted')}</th>
              <th scope="col">{t('conversionRate')}</th>
              <th scope="col">{t('revenue')}</th>
            </tr>
          </thead>
          <tbody>
            {(q.data?.campaigns ?? []).map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={`#/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</a>
                </td>
                <td>
                  <span className={`status status-${c.status}`}>{i18n.status(c.status)}</span>
                </td>
                <td>{i18n.number(c.stats.entered)}</td>
                <td>{i18n.number(c.stats.active)}</td>
                <td>{i18n.number(c.stats.sent)}</td>
                <td>{i18n.number(c.stats.converted)}</td>
                <td>{i18n.percent(c.stats.conversionRate)}</td>
                <td>{i18n.number(c.stats.revenue, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {can(op, 'campaigns:write') && (
        <section className="card">
          <h2>{t('createFromTemplate')}</h2>
          <ErrorBox error={create.error} />
          <div className="templates">
            {(q.data?.campaignTemplates ?? []).map((tpl) => (
              <form
                key={tpl.id}
                className="template"
                onSubmit={async (e) => {
                  e.preventDefault();
                  const data = await create.run({ template: tpl.id, name: names[tpl.id] || tpl.name });
                  if (data) go('campaigns', data.createCampaignFromTemplate.id);
                }}
              >
                <h3>{tpl.name}</h3>
                <p className="muted">{tpl.description}</p>
                <label>
                  {t('campaignName')}
                  <input value={names[tpl.id] ?? ''} placeholder={tpl.name} onChange={(e) => setNames({ ...names, [tpl.id]: e.target.value })} />
                </label>
                <button type="submit" disabled={create.busy} data-testid={`create-${tpl.id}`}>
                  {t('create')}
                </button>
              </form>
            ))}
          </div>
        </section>
      )}
    </>
  );
}

interface JourneyNodeData extends Record<string, unknown> {
  id: string;
  node: JourneyNode;
  start: boolean;
  counts?: { reached: number; active: number };
  problems: Problem[];
  onPath: boolean;
}

/** One journey node: its type and id, the counts, its problems, and a handle per outgoing port. */
function JourneyNodeView({ data, selected }: NodeProps<Node<JourneyNodeData>>) {
  const i18n = useI18n();
  const ports = portsOf(data.node);
  const summary = summarize(data.node);
  return (
    <div className={`jnode${data.problems.length ? ' jnode-bad' : ''}${data.onPath ? ' jnode-path' : ''}${selected ? ' jnode-selected' : ''}`} data-testid={`node-${data.id}`}>
      <Handle type="target" position={Position.Left} />
      <div className="jnode-head">
        <strong>{data.id}</strong> <span className="jnode-type">{data.node.type}</span>
        {data.start && <span className="jnode-start">{i18n.t('startNode')}</span>}
      </div>
      {summary && <div className="jnode-summary">{summary}</div>}
      <div className="jnode-counts" data-testid={`counts-${data.id}`}>
        {i18n.number(data.counts?.reached ?? 0)} {i18n.t('reached')} · {i18n.number(data.counts?.active ?? 0)} {i18n.t('waiting')}
      </div>
      {data.problems.map((p) => (
        <div key={`${p.path}${p.code}`} className="jnode-problem" role="note">
          {p.code}: {p.message}
        </div>
      ))}
      {ports.map((p, i) => (
        <Handle key={p.port} id={p.port} type="source" position={Position.Right} style={{ top: `${((i + 1) / (ports.length + 1)) * 100}%` }} title={p.port} />
      ))}
    </div>
  );
}

function summarize(node: JourneyNode): string {
  switch (node.type) {
    case 'WAIT':
      return String(node.duration ?? node.until ?? '');
    case 'CONDITION':
      return String(node.condition ?? '');
    case 'WAIT_FOR_EVENT':
      return `${String(node.event)} ≤ ${String(node.timeout)}`;
    case 'SEND':
      return `${String(node.channel)}: ${String((node.message as { subject?: string; body?: string })?.subject ?? (node.message as { body?: string })?.body ?? '').slice(0, 40)}`;
    case 'ACTION':
      return String(node.action);
    case 'HOLDOUT':
      return `${String(node.percent)}%`;
    case 'RANDOM':
      return (node.branches as Array<{ percent: number }>).map((b) => `${b.percent}%`).join(' / ');
    default:
      return '';
  }
}

const NODE_KINDS = { journey: JourneyNodeView };

function CampaignEditor({ id }: { id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const op = useOperator();
  const writable = can(op, 'campaigns:write');
  const q = useQuery(CAMPAIGN, { id });
  const campaign = q.data?.campaign;
  const [journey, setJourney] = useState<JourneyDoc>();
  // Where each node is and its measured size: React Flow shows a controlled node only once it has been measured.
  const [placed, setPlaced] = useState<Map<string, Pick<Node, 'position' | 'measured'>>>(new Map());
  const [problems, setProblems] = useState<Problem[]>([]);
  const [selected, setSelected] = useState<string>();
  const [path, setPath] = useState<string[]>([]);
  const save = useAction(UPDATE_CAMPAIGN);
  const status = useAction(SET_CAMPAIGN_STATUS);

  useEffect(() => {
    if (campaign && !journey) {
      // JSON in the schema; the API's validator (below) says what is wrong with it, the editor only draws it.
      const doc = campaign.journey as JourneyDoc;
      setJourney(doc);
      setPlaced(new Map([...layout(doc)].map(([nodeId, position]) => [nodeId, { position }])));
    }
  }, [campaign, journey]);

  // Every edit is validated by the API's own validator, so the diagram shows exactly what activation would refuse.
  useEffect(() => {
    if (!journey) return;
    let live = true;
    const timer = setTimeout(() => {
      gql(op.session, VALIDATE_JOURNEY, { journey }).then(
        (d) => live && setProblems(d.validateJourney),
        (err: ApiError) => live && setProblems([{ path: '', code: err.code, message: err.message }]),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [journey, op.session]);

  const byNode = useMemo(() => problemsByNode(problems), [problems]);
  const counts = useMemo(() => new Map(campaign?.stats.nodes.map((n) => [n.node, n]) ?? []), [campaign]);
  const nodes = useMemo<Array<Node<JourneyNodeData>>>(
    () =>
      Object.entries(journey?.nodes ?? {}).map(([nodeId, node]) => ({
        id: nodeId,
        type: 'journey',
        position: placed.get(nodeId)?.position ?? { x: 0, y: 0 },
        measured: placed.get(nodeId)?.measured,
        selected: nodeId === selected,
        data: { id: nodeId, node, start: nodeId === journey!.start, counts: counts.get(nodeId), problems: byNode.get(nodeId) ?? [], onPath: path.includes(nodeId) },
      })),
    [journey, placed, selected, counts, byNode, path],
  );
  const edges = useMemo<Edge[]>(
    () =>
      Object.entries(journey?.nodes ?? {}).flatMap(([nodeId, node]) =>
        portsOf(node)
          .filter((p) => p.target && journey!.nodes[p.target])
          .map((p) => ({ id: `${nodeId}:${p.port}`, source: nodeId, sourceHandle: p.port, target: p.target!, label: p.port === 'next' ? undefined : p.port })),
      ),
    [journey],
  );
  const onNodesChange = useCallback(
    (changes: Array<NodeChange<Node<JourneyNodeData>>>) => {
      const moved = applyNodeChanges(changes, nodes);
      setPlaced(new Map(moved.map((n) => [n.id, { position: n.position, measured: n.measured }])));
      const picked = changes.find((c) => c.type === 'select' && c.selected);
      if (picked && 'id' in picked) setSelected(picked.id);
    },
    [nodes],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      if (!writable || !journey || !c.sourceHandle) return;
      setJourney(connect(journey, c.source, c.sourceHandle, c.target));
    },
    [journey, writable],
  );

  if (!campaign || !journey) return <><ErrorBox error={q.error} /><Loading when={q.loading} /></>;

  const add = (type: (typeof NODE_TYPES)[number]) => {
    const next = addNode(journey, type);
    setJourney(next.journey);
    setPlaced(new Map(placed).set(next.id, { position: { x: Math.max(0, ...[...placed.values()].map((p) => p.position.x)) + 240, y: 0 } }));
    setSelected(next.id);
  };
  const saveJourney = async () => {
    const data = await save.run({ id: campaign.id, expectedVersion: campaign.version, input: { name: campaign.name, description: campaign.description, journey } });
    if (data) q.reload();
  };
  const setStatus = async (s: CampaignStatus) => {
    if (await status.run({ id: campaign.id, status: s })) q.reload();
  };

  return (
    <>
      <p>
        <a href="#/campaigns">← {t('navCampaigns')}</a>
      </p>
      <h2>
        {campaign.name} <span className={`status status-${campaign.status}`} data-testid="campaign-status">{i18n.status(campaign.status)}</span>{' '}
        <span className="muted">v{campaign.version}</span>
      </h2>
      <div className="kpis">
        {(['entered', 'active', 'completed', 'sent', 'converted'] as const).map((k) => (
          <div className="kpi" key={k}>
            <span className="kpi-label">{t(k)}</span>
            <span className="kpi-value">{i18n.number(campaign.stats[k])}</span>
          </div>
        ))}
      </div>
      {!writable && <p className="note">{t('readOnlyCampaigns')}</p>}
      {writable && (
        <div className="toolbar">
          <AddNode onAdd={add} />
          <button type="button" onClick={saveJourney} disabled={save.busy} data-testid="save-journey">
            {t('save')}
          </button>
          {campaign.status !== 'ACTIVE' && campaign.status !== 'ENDED' && (
            <button type="button" onClick={() => setStatus('ACTIVE')} disabled={problems.length > 0} data-testid="activate">
              {t('activate')}
            </button>
          )}
          {campaign.status === 'ACTIVE' && (
            <button type="button" onClick={() => setStatus('PAUSED')} data-testid="pause">
              {t('pause')}
            </button>
          )}
        </div>
      )}
      <ErrorBox error={save.error ?? status.error} />
      <div className="flow-and-panel">
        <div className="flow" data-testid="flow">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_KINDS}
            onNodesChange={onNodesChange}
            onConnect={onConnect}
            nodesConnectable={writable}
            fitView
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls showInteractive={false} />
            <FitOnGrow count={nodes.length} />
          </ReactFlow>
        </div>
        <aside className="card panel" aria-label={t('properties')}>
          <section aria-live="polite" data-testid="problems">
            <h3>{t('problems')}</h3>
            {problems.length === 0 ? (
              <p className="ok">{t('valid')}</p>
            ) : (
              <ul>
                {problems.map((p) => (
                  <li key={`${p.path}${p.code}${p.message}`}>
                    <code>{p.path || '/'}</code> {p.code}: {p.message}
                  </li>
                ))}
              </ul>
            )}
          </section>
          {selected && journey.nodes[selected] ? (
            <NodeProperties
              key={selected}
              id={selected}
              node={journey.nodes[selected]!}
              writable={writable}
              onApply={(node) => setJourney({ ...journey, nodes: { ...journey.nodes, [selected]: node } })}
              onDelete={() => {
                setJourney(removeNode(journey, selected));
                setSelected(undefined);
              }}
            />
          ) : (
            <p className="muted">{t('selectNode')}</p>
          )}
          <Simulate journey={journey} onPath={setPath} />
        </aside>
      </div>
    </>
  );
}

/** Refits the view when a node is added or removed, so a new node is never off screen. */
function FitOnGrow({ count }: { count: number }) {
  const flow = useReactFlow();
  useEffect(() => {
    void flow.fitView();
  }, [count, flow]);
  return null;
}

function AddNode({ onAdd }: { onAdd: (type: (typeof NODE_TYPES)[number]) => void }) {
  const { t } = useI18n();
  const [type, setType] = useState<(typeof NODE_TYPES)[number]>('WAIT');
  return (
    <span>
      <label>
        {t('nodeType')}{' '}
        <select value={type} onChange={(e) => setType(e.target.value as (typeof NODE_TYPES)[number])} data-testid="node-type">
          {NODE_TYPES.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
      </label>{' '}
      <button type="button" onClick={() => onAdd(type)} data-testid="add-node">
        {t('addNode')}
      </button>
    </span>
  );
}

/** The selected node's fields as JSON: every field of the contract is editable, and the validator says what is wrong. */
function NodeProperties({ id, node, writable, onApply, onDelete }: { id: string; node: JourneyNode; writable: boolean; onApply: (n: JourneyNode) => void; onDelete: () => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(JSON.stringify(node, null, 2));
  const [bad, setBad] = useState<string>();
  const apply = () => {
    try {
      onApply(JSON.parse(text) as JourneyNode);
      setBad(undefined);
    } catch (err) {
      setBad((err as Error).message);
    }
  };
  return (
    <section>
      <h3>
        {t('properties')}: <code>{id}</code>
      </h3>
      <label>
        JSON
        <textarea rows={10} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} disabled={!writable} data-testid="node-json" />
      </label>
      {bad && <p className="inline-error" role="alert">{bad}</p>}
      {writable && (
        <>
          <button type="button" onClick={apply} data-testid="apply-node">
            {t('apply')}
          </button>{' '}
          <button type="button" onClick={onDelete}>
            {t('deleteNode')}
          </button>
        </>
      )}
    </section>
  );
}

function Simulate({ journey, onPath }: { journey: JourneyDoc; onPath: (path: string[]) => void }) {
  const { t } = useI18n();
  const [userId, setUserId] = useState('');
  const sim = useAction(SIMULATE_JOURNEY);
  const [result, setResult] = useState<NonNullable<Awaited<ReturnType<typeof sim.run>>>['simulateJourney']>();
  return (
    <section>
      <h3>{t('simulate')}</h3>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const data = await sim.run({ journey, userId });
          setResult(data?.simulateJourney);
          onPath(data?.simulateJourney.path ?? []);
        }}
      >
        <label>
          {t('userId')} <input value={userId} onChange={(e) => setUserId(e.target.value)} required data-testid="simulate-user" />
        </label>{' '}
        <button type="submit" disabled={sim.busy}>
          {t('run')}
        </button>
      </form>
      <ErrorBox error={sim.error} />
      {result && (
        <div data-testid="simulation">
          <p>
            {t('inAudience')}: {result.inAudience ? '✓' : '✗'} · {t('outcome')}: <strong>{result.outcome}</strong>
          </p>
          <ol>
            {result.steps.map((s, i) => (
              <li key={`${s.node}${i}`}>
                <code>{s.node}</code> {s.summary} {s.guards.map((g) => `${g.guard}${g.pass ? '✓' : '✗'}`).join(' ')}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
