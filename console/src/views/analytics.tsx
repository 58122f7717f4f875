import { useMemo, useState, type FormEvent } from 'react';
import { Chart, type ChartOption } from '../chart';
import { dayOf, endOfToday, fromDayInput, utcDay } from '../dates';
import type { FunnelOrder, FunnelQuery, RetentionPeriod, RetentionQueryVariables } from '../api.generated';
import { useI18n } from '../i18n';
import { CAMPAIGN_ROI, CAMPAIGNS, FUNNEL, RETENTION, RFM } from '../queries';
import { can, ErrorBox, Loading, useAction, useOperator, useQuery } from '../session';

/** Questions over the event archive: funnels, retention, campaign ROI and the RFM grid. */
export function AnalyticsView() {
  const { t } = useI18n();
  const [from, setFrom] = useState(dayOf(utcDay(90)));
  const [to, setTo] = useState(dayOf(endOfToday()));
  const range = { from: fromDayInput(from), to: fromDayInput(to) };
  return (
    <>
      <div className="toolbar">
        <label>
          {t('from')} <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          {t('to')} <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      <FunnelBuilder range={range} />
      <RetentionHeatmap range={range} />
      <div className="grid2">
        {can(useOperator(), 'campaigns:read') && <CampaignRoi range={range} />}
        <RfmGrid range={range} />
      </div>
    </>
  );
}

type Range = { from: string; to: string };

type FunnelStep = FunnelQuery['funnel']['steps'][number];

function FunnelBuilder({ range }: { range: Range }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [steps, setSteps] = useState(['product_viewed', 'product_added_to_cart', 'order_completed']);
  const [windowDays, setWindowDays] = useState(14);
  const [order, setOrder] = useState<FunnelOrder>('SEQUENTIAL');
  const funnel = useAction(FUNNEL);
  const [result, setResult] = useState<FunnelStep[]>();
  const run = async (e: FormEvent) => {
    e.preventDefault();
    const data = await funnel.run({ steps: steps.map((event) => ({ event })), ...range, windowDays, order });
    setResult(data?.funnel.steps);
  };
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 16, top: 16, bottom: 48 },
      xAxis: { type: 'category', data: (result ?? []).map((s) => `${s.step}. ${s.event}`) },
      yAxis: { type: 'value' },
      series: [{ type: 'bar', data: (result ?? []).map((s) => s.users), label: { show: true, position: 'top', formatter: (p: { dataIndex: number }) => i18n.percent(result![p.dataIndex]!.conversionFromStart) } }],
    }),
    [result, i18n],
  );
  return (
    <section className="card">
      <h2>{t('funnel')}</h2>
      <form onSubmit={run}>
        <fieldset>
          <legend>{t('steps')}</legend>
          {steps.map((s, i) => (
            <div key={i} className="row">
              <label>
                {i + 1}. <input value={s} onChange={(e) => setSteps(steps.map((x, j) => (j === i ? e.target.value : x)))} aria-label={`${t('steps')} ${i + 1}`} data-testid={`step-${i}`} />
              </label>
              {steps.length > 2 && (
                <button type="button" onClick={() => setSteps(steps.filter((_, j) => j !== i))}>
                  {t('removeStep')}
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => setSteps([...steps, ''])}>
            {t('addStep')}
          </button>
        </fieldset>
        <label>
          {t('windowDays')} <input type="number" min={1} max={365} value={windowDays} onChange={(e) => setWindowDays(Number(e.target.value))} />
        </label>{' '}
        <label>
          {t('order')}{' '}
          <select value={order} onChange={(e) => setOrder(e.target.value as FunnelOrder)}>
            {['SEQUENTIAL', 'STRICT', 'ANY'].map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>{' '}
        <button type="submit" disabled={funnel.busy} data-testid="run-funnel">
          {t('run')}
        </button>
      </form>
      <ErrorBox error={funnel.error} />
      {result && (
        <>
          <Chart option={option} label={t('funnel')} />
          <table data-testid="funnel">
            <thead>
              <tr>
                <th scope="col">{t('steps')}</th>
                <th scope="col">{t('users')}</th>
                <th scope="col">{t('fromStart')}</th>
                <th scope="col">{t('fromPrevious')}</th>
              </tr>
            </thead>
            <tbody>
              {result.map((s) => (
                <tr key={s.step}>
                  <td>{s.event}</td>
                  <td>{i18n.number(s.users)}</td>
                  <td>{i18n.percent(s.conversionFromStart)}</td>
                  <td>{i18n.percent(s.conversionFromPrevious)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

function RetentionHeatmap({ range }: { range: Range }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [startEvent, setStart] = useState('order_completed');
  const [returnEvent, setReturn] = useState('order_completed');
  const [period, setPeriod] = useState<RetentionPeriod>('WEEK');
  const [asked, setAsked] = useState<RetentionQueryVariables | null>(null);
  const q = useQuery(RETENTION, asked);
  const cohorts = q.data?.retention.cohorts ?? [];
  const periods = Math.max(0, ...cohorts.map((c) => c.returned.length));
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { position: 'top' },
      grid: { left: 110, right: 16, top: 8, bottom: 48 },
      xAxis: { type: 'category', data: Array.from({ length: periods }, (_, i) => String(i)), splitArea: { show: true } },
      yAxis: { type: 'category', data: cohorts.map((c) => `${i18n.date(c.start)} (${c.size})`), inverse: true },
      visualMap: { min: 0, max: 1, orient: 'horizontal', left: 'center', bottom: 0, calculable: false, inRange: { color: ['#e3f2fd', '#0d47a1'] }, formatter: (v: number) => i18n.percent(v, 0) },
      series: [
        {
          type: 'heatmap',
          label: { show: true, formatter: (p: { value: number[] }) => i18n.percent(p.value[2]!, 0) },
          data: cohorts.flatMap((c, y) => c.returned.map((n, x) => [x, y, c.size ? n / c.size : 0])),
        },
      ],
    }),
    [cohorts, periods, i18n],
  );
  return (
    <section className="card">
      <h2>{t('retention')}</h2>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked({ startEvent, returnEvent, period, periods: 8, ...range });
        }}
      >
        <label>
          {t('startEvent')} <input value={startEvent} onChange={(e) => setStart(e.target.value)} />
        </label>
        <label>
          {t('returnEvent')} <input value={returnEvent} onChange={(e) => setReturn(e.target.value)} />
        </label>
        <label>
          {t('period')}{' '}
          <select value={period} onChange={(e) => setPeriod(e.target.value as RetentionPeriod)}>
            {['DAY', 'WEEK', 'MONTH'].map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="run-retention">
          {t('run')}
        </button>
      </form>
      <ErrorBox error={q.error} />
      <Loading when={q.loading} />
      {q.data && <Chart option={option} label={t('retention')} height={Math.max(160, 40 + 28 * cohorts.length)} />}
      {q.data && (
        <p className="muted" data-testid="retention-cohorts">
          {t('cohort')}: {cohorts.length}
        </p>
      )}
    </section>
  );
}

function CampaignRoi({ range }: { range: Range }) {
  const i18n = useI18n();
  const { t } = i18n;
  const list = useQuery(CAMPAIGNS, {});
  const [id, setId] = useState('');
  const [costPerSend, setCost] = useState(0.01);
  const chosen = id || list.data?.campaigns[0]?.id || '';
  const q = useQuery(
    CAMPAIGN_ROI,
    chosen ? { id: chosen, ...range, costPerSend } : null,
  );
  const perf = q.data?.campaign?.performance;
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 28 },
      xAxis: { type: 'category', data: (perf?.points ?? []).map((p) => i18n.date(p.start)) },
      yAxis: { type: 'value' },
      series: [
        { type: 'bar', name: t('revenue'), data: (perf?.points ?? []).map((p) => p.revenue) },
        { type: 'line', name: t('cost'), data: (perf?.points ?? []).map((p) => p.cost ?? 0) },
      ],
    }),
    [perf, i18n, t],
  );
  return (
    <section className="card">
      <h2>{t('campaignRoi')}</h2>
      <div className="toolbar">
        <label>
          {t('campaign')}{' '}
          <select value={chosen} onChange={(e) => setId(e.target.value)}>
            {(list.data?.campaigns ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('costPerSend')} <input type="number" min={0} step={0.01} value={costPerSend} onChange={(e) => setCost(Number(e.target.value))} />
        </label>
      </div>
      <ErrorBox error={q.error ?? list.error} />
      {perf && (
        <>
          <dl className="facts" data-testid="roi">
            <dt>{t('sends')}</dt>
            <dd>{i18n.number(perf.totals.sends)}</dd>
            <dt>{t('conversions')}</dt>
            <dd>{i18n.number(perf.totals.conversions)}</dd>
            <dt>{t('revenue')}</dt>
            <dd>{i18n.number(perf.totals.revenue, 2)}</dd>
            <dt>{t('cost')}</dt>
            <dd>{perf.totals.cost === null ? '–' : i18n.number(perf.totals.cost, 2)}</dd>
            <dt>{t('roi')}</dt>
            <dd>{perf.totals.roi === null ? '–' : i18n.percent(perf.totals.roi)}</dd>
            <dt>{t('uplift')}</dt>
            <dd>{perf.holdoutUplift === null ? '–' : i18n.percent(perf.holdoutUplift)}</dd>
          </dl>
          <Chart option={option} label={t('campaignRoi')} />
        </>
      )}
    </section>
  );
}

function RfmGrid({ range }: { range: Range }) {
  const i18n = useI18n();
  const { t } = i18n;
  const q = useQuery(RFM, range);
  const cells = q.data?.rfm ?? [];
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { position: 'top' },
      grid: { left: 48, right: 16, top: 32, bottom: 64 },
      xAxis: { type: 'category', name: t('frequency'), nameLocation: 'middle', nameGap: 24, data: ['1', '2', '3', '4', '5'] },
      yAxis: { type: 'category', name: t('recency'), data: ['1', '2', '3', '4', '5'] },
      visualMap: { min: 0, max: Math.max(1, ...cells.map((c) => c.users)), orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#fff3e0', '#e65100'] } },
      series: [{ type: 'heatmap', label: { show: true }, data: cells.map((c) => [c.frequency - 1, c.recency - 1, c.users]) }],
    }),
    [cells, t],
  );
  return (
    <section className="card">
      <h2>{t('rfmGrid')}</h2>
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      {q.data && <Chart option={option} label={t('rfmGrid')} height={300} />}
      {q.data && (
        <p className="muted" data-testid="rfm-buyers">
          {t('users')}: {i18n.number(cells.reduce((a, c) => a + c.users, 0))}
        </p>
      )}
    </section>
  );
}
