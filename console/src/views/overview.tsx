import { useMemo, useState } from 'react';
import { Chart, type ChartOption } from '../chart';
import { endOfToday, utcDay } from '../dates';
import { useI18n, type I18n, type Label } from '../i18n';
import { CHURN_AND_SEGMENTS, METRIC } from '../queries';
import { ErrorBox, Loading, useQuery } from '../session';

interface MetricSeries {
  group: string | null;
  currency: string | null;
  points: Array<{ start: string; value: number; exact: boolean }>;
}
type GroupBy = 'CHANNEL' | 'COUNTRY' | null;

const LIVE_MS = 10_000;

/** The morning dashboard: activity, money and risk, refreshed live from the real-time aggregates. */
export function OverviewView() {
  const { t } = useI18n();
  const [days, setDays] = useState(30);
  const [groupBy, setGroupBy] = useState<GroupBy>(null);
  const range = useMemo(() => ({ from: utcDay(days - 1), to: endOfToday() }), [days]);
  return (
    <>
      <div className="toolbar">
        <label>
          {t('days')}{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 30, 90, 365].map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <label>
          {t('breakdown')}{' '}
          <select value={groupBy ?? ''} onChange={(e) => setGroupBy((e.target.value || null) as GroupBy)}>
            <option value="">{t('none')}</option>
            <option value="CHANNEL">{t('channel')}</option>
            <option value="COUNTRY">{t('country')}</option>
          </select>
        </label>
        <span className="muted">{t('liveEvery')}</span>
      </div>
      <ActiveUsers range={range} />
      <div className="grid2">
        <MetricPanel title="revenue" metric="REVENUE" range={range} groupBy={groupBy} onDrill={setGroupBy} />
        <MetricPanel title="orders" metric="ORDERS" range={range} groupBy={groupBy} onDrill={setGroupBy} />
        <MetricPanel title="newUsers" metric="NEW_USERS" range={range} groupBy={groupBy} onDrill={setGroupBy} />
        <RiskAndSegments />
      </div>
    </>
  );
}

/** The current period's point (today, this week, this month): distinct users so far, as the aggregates hold them. */
function latest(series: MetricSeries[] | undefined) {
  return series?.[0]?.points.at(-1);
}

function ActiveUsers({ range }: { range: { from: string; to: string } }) {
  const i18n = useI18n();
  const { t } = i18n;
  const dau = useQuery<{ metric: MetricSeries[] }>(METRIC, { metric: 'ACTIVE_USERS', granularity: 'DAY', ...range }, LIVE_MS);
  const wau = useQuery<{ metric: MetricSeries[] }>(METRIC, { metric: 'ACTIVE_USERS', granularity: 'WEEK', from: utcDay(7 * 8), to: range.to }, LIVE_MS);
  const mau = useQuery<{ metric: MetricSeries[] }>(METRIC, { metric: 'ACTIVE_USERS', granularity: 'MONTH', from: utcDay(365), to: range.to }, LIVE_MS);
  const option = useMemo(() => lineOption(dau.data?.metric ?? [], i18n), [dau.data, i18n]);
  return (
    <section className="card" aria-labelledby="active-users">
      <h2 id="active-users">{t('dau')}</h2>
      <div className="kpis">
        {([['dau', dau], ['wau', wau], ['mau', mau]] as const).map(([label, q]) => (
          <div className="kpi" key={label} data-testid={`kpi-${label}`}>
            <span className="kpi-label">{t(label)}</span>
            <span className="kpi-value">{i18n.number(latest(q.data?.metric)?.value ?? 0)}</span>
            <span className="muted small">{latest(q.data?.metric) ? `${i18n.t('since')} ${i18n.date(latest(q.data?.metric)!.start)}` : '–'}</span>
          </div>
        ))}
        <span className="muted">{t('estimated')}</span>
      </div>
      <ErrorBox error={dau.error} />
      <Chart option={option} label={t('dau')} height={200} />
    </section>
  );
}

function lineOption(series: MetricSeries[], i18n: I18n, stacked = false): ChartOption {
  const days = [...new Set(series.flatMap((s) => s.points.map((p) => p.start)))].sort();
  return {
    tooltip: { trigger: 'axis' },
    legend: series.length > 1 ? { type: 'scroll', top: 0 } : undefined,
    grid: { left: 48, right: 16, top: series.length > 1 ? 32 : 12, bottom: 28 },
    xAxis: { type: 'category', data: days.map((d) => i18n.date(d)) },
    yAxis: { type: 'value' },
    series: series.map((s) => {
      const byDay = new Map(s.points.map((p) => [p.start, p.value]));
      return {
        name: [s.group ?? '', s.currency ?? ''].filter(Boolean).join(' ') || undefined,
        type: stacked ? 'bar' : 'line',
        stack: stacked ? 'total' : undefined,
        showSymbol: false,
        data: days.map((d) => byDay.get(d) ?? 0),
      };
    }),
  };
}

function MetricPanel({ title, metric, range, groupBy, onDrill }: { title: Label; metric: string; range: { from: string; to: string }; groupBy: GroupBy; onDrill: (g: GroupBy) => void }) {
  const i18n = useI18n();
  const q = useQuery<{ metric: MetricSeries[] }>(METRIC, { metric, granularity: 'DAY', ...range, groupBy }, LIVE_MS);
  const series = q.data?.metric ?? [];
  const option = useMemo(() => lineOption(series, i18n, groupBy !== null), [series, i18n, groupBy]);
  const total = series.reduce((sum, s) => sum + s.points.reduce((a, p) => a + p.value, 0), 0);
  return (
    <section className="card" aria-labelledby={`panel-${metric}`}>
      <h2 id={`panel-${metric}`}>
        {i18n.t(title)} <span className="kpi-value small" data-testid={`total-${metric}`}>{i18n.number(total, 2)}</span>
      </h2>
      <ErrorBox error={q.error} />
      {/* Clicking a day with no breakdown drills into channels; with channels, into countries. */}
      <Chart option={option} label={i18n.t(title)} onClick={() => onDrill(groupBy === null ? 'CHANNEL' : groupBy === 'CHANNEL' ? 'COUNTRY' : null)} />
    </section>
  );
}

function RiskAndSegments() {
  const i18n = useI18n();
  const { t } = i18n;
  const q = useQuery<{ churnBands: Array<{ band: string; users: number }>; segments: Array<{ id: string; name: string; size: number }> }>(CHURN_AND_SEGMENTS, {}, LIVE_MS);
  const bands = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'item' },
      color: ['#2e7d32', '#f9a825', '#c62828'],
      series: [{ type: 'pie', radius: ['40%', '70%'], data: (q.data?.churnBands ?? []).map((b) => ({ name: t(`band${b.band}` as Label), value: b.users })) }],
    }),
    [q.data, t],
  );
  const segments = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 120, right: 16, top: 8, bottom: 24 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: (q.data?.segments ?? []).map((s) => s.name) },
      series: [{ type: 'bar', data: (q.data?.segments ?? []).map((s) => s.size) }],
    }),
    [q.data],
  );
  return (
    <section className="card" aria-labelledby="risk">
      <h2 id="risk">{t('churnBands')}</h2>
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      <ul className="inline" data-testid="churn-bands">
        {(q.data?.churnBands ?? []).map((b) => (
          <li key={b.band}>
            {t(`band${b.band}` as Label)}: {i18n.number(b.users)}
          </li>
        ))}
      </ul>
      <Chart option={bands} label={t('churnBands')} height={160} />
      <h3>{t('segmentSizes')}</h3>
      <Chart option={segments} label={t('segmentSizes')} height={160} />
    </section>
  );
}
