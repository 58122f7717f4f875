import { useCallback, useMemo, useState } from 'react';
import type { MetricGroupBy, OverviewQuery } from '../api.generated';
import { Chart, type ChartOption } from '../chart';
import { endOfToday, utcDay } from '../dates';
import { useI18n, type I18n, type Label } from '../i18n';
import { OVERVIEW } from '../queries';
import { ErrorBox, Loading, useQuery } from '../session';

type MetricSeries = OverviewQuery['dau'][number];
type GroupBy = Extract<MetricGroupBy, 'CHANNEL' | 'COUNTRY'> | null;

const LIVE_MS = 10_000;

type OverviewData = OverviewQuery;

/** The morning dashboard: activity, money and risk, refreshed live from the real-time aggregates. */
export function OverviewView() {
  const i18n = useI18n();
  const { t } = i18n;
  const [days, setDays] = useState(30);
  const [groupBy, setGroupBy] = useState<GroupBy>(null);
  const variables = useMemo(() => ({ from: utcDay(days - 1), to: endOfToday(), weekFrom: utcDay(7 * 8), monthFrom: utcDay(365), groupBy }), [days, groupBy]);
  const q = useQuery(OVERVIEW, variables, LIVE_MS);
  // Clicking a chart drills down: no breakdown → channels → countries → none.
  const drill = useCallback(() => setGroupBy((g) => (g === null ? 'CHANNEL' : g === 'CHANNEL' ? 'COUNTRY' : null)), []);
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
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      <ActiveUsers data={q.data} />
      <div className="grid2">
        <MetricPanel title="revenue" id="REVENUE" series={q.data?.revenue} stacked={groupBy !== null} onDrill={drill} />
        <MetricPanel title="orders" id="ORDERS" series={q.data?.orders} stacked={groupBy !== null} onDrill={drill} />
        <MetricPanel title="newUsers" id="NEW_USERS" series={q.data?.newUsers} stacked={groupBy !== null} onDrill={drill} />
        <RiskAndSegments data={q.data} />
      </div>
    </>
  );
}

/** The current period's point (today, this week, this month): distinct users so far, as the aggregates hold them. */
function latest(series: MetricSeries[] | undefined) {
  return series?.[0]?.points.at(-1);
}

function ActiveUsers({ data }: { data: OverviewData | undefined }) {
  const i18n = useI18n();
  const { t } = i18n;
  const option = useMemo(() => lineOption(data?.dau ?? [], i18n), [data, i18n]);
  return (
    <section className="card" aria-labelledby="active-users">
      <h2 id="active-users">{t('dau')}</h2>
      <div className="kpis">
        {(['dau', 'wau', 'mau'] as const).map((label) => {
          const point = latest(data?.[label]);
          return (
            <div className="kpi" key={label} data-testid={`kpi-${label}`}>
              <span className="kpi-label">{t(label)}</span>
              <span className="kpi-value">{point ? i18n.number(point.value) : '–'}</span>
              <span className="muted small">{point ? `${t('since')} ${i18n.date(point.start)}` : ''}</span>
            </div>
          );
        })}
        <span className="muted">{t('estimated')}</span>
      </div>
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

function MetricPanel({ title, id, series, stacked, onDrill }: { title: Label; id: string; series: MetricSeries[] | undefined; stacked: boolean; onDrill: () => void }) {
  const i18n = useI18n();
  const option = useMemo(() => lineOption(series ?? [], i18n, stacked), [series, i18n, stacked]);
  const total = (series ?? []).reduce((sum, s) => sum + s.points.reduce((a, p) => a + p.value, 0), 0);
  return (
    <section className="card" aria-labelledby={`panel-${id}`}>
      <h2 id={`panel-${id}`}>
        {i18n.t(title)}{' '}
        <span className="kpi-value small" data-testid={`total-${id}`}>
          {series ? i18n.number(total, 2) : '–'}
        </span>
      </h2>
      <Chart option={option} label={i18n.t(title)} onClick={onDrill} />
    </section>
  );
}

function RiskAndSegments({ data }: { data: OverviewData | undefined }) {
  const i18n = useI18n();
  const { t } = i18n;
  const bands = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'item' },
      color: ['#2e7d32', '#f9a825', '#c62828'],
      series: [{ type: 'pie', radius: ['40%', '70%'], data: (data?.churnBands ?? []).map((b) => ({ name: t(`band${b.band}` as Label), value: b.users })) }],
    }),
    [data, t],
  );
  const segments = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 120, right: 16, top: 8, bottom: 24 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: (data?.segments ?? []).map((s) => s.name) },
      series: [{ type: 'bar', data: (data?.segments ?? []).map((s) => s.size) }],
    }),
    [data],
  );
  return (
    <section className="card" aria-labelledby="risk">
      <h2 id="risk">{t('churnBands')}</h2>
      <ul className="inline" data-testid="churn-bands">
        {(data?.churnBands ?? []).map((b) => (
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
