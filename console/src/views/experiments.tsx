import { useMemo, useState } from 'react';
import type { ExperimentQuery, StatsEngine } from '../api.generated';
import { Chart, type ChartOption } from '../chart';
import { useI18n, type I18n } from '../i18n';
import { EXPERIMENT, EXPERIMENTS } from '../queries';
import { useSubRoute } from '../router';
import { ErrorBox, Loading, useQuery } from '../session';

type MetricResult = NonNullable<ExperimentQuery['experiment']>['analysis']['metrics'][number];
type VariantAnalysis = NonNullable<MetricResult['analysis']>['variants'][number];

/** Standalone experiments: lift with its interval, chance to win, and the checks that say whether to trust them. */
export function ExperimentsView() {
  const [id] = useSubRoute();
  return id ? <ExperimentResults id={id} /> : <ExperimentList />;
}

function ExperimentList() {
  const i18n = useI18n();
  const { t } = i18n;
  const q = useQuery(EXPERIMENTS, {});
  return (
    <section className="card">
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      <table data-testid="experiments">
        <thead>
          <tr>
            <th scope="col">{t('name')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col">{t('variant')}</th>
            <th scope="col">{t('from')}</th>
          </tr>
        </thead>
        <tbody>
          {(q.data?.experiments ?? []).map((e) => (
            <tr key={e.id}>
              <td>
                <a href={`#/experiments/${encodeURIComponent(e.id)}`}>{e.name}</a> <code>{e.key}</code>
              </td>
              <td>{i18n.status(e.status)}</td>
              <td>{e.variants.map((v) => v.key).join(', ')}</td>
              <td>{i18n.date(e.startAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Lift per variant as a point with its interval bar (ECharts custom series), baseline at zero. */
function liftOption(variants: VariantAnalysis[], i18n: I18n): ChartOption {
  const rows = variants.slice(1);
  return {
    tooltip: { trigger: 'item' },
    grid: { left: 100, right: 24, top: 12, bottom: 32 },
    xAxis: { type: 'value', axisLabel: { formatter: (v: number) => i18n.percent(v, 0) } },
    yAxis: { type: 'category', data: rows.map((v) => v.name) },
    series: [
      {
        type: 'custom',
        name: i18n.t('interval'),
        renderItem: (_: unknown, api: { value: (i: number) => number; coord: (p: number[]) => number[] }) => {
          const y = api.value(0);
          const lo = api.coord([api.value(1), y]);
          const hi = api.coord([api.value(2), y]);
          return { type: 'group', children: [
            { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: { stroke: '#1565c0', lineWidth: 6, opacity: 0.35 } },
            { type: 'line', shape: { x1: lo[0], y1: lo[1] - 8, x2: lo[0], y2: lo[1] + 8 }, style: { stroke: '#1565c0', lineWidth: 2 } },
            { type: 'line', shape: { x1: hi[0], y1: hi[1] - 8, x2: hi[0], y2: hi[1] + 8 }, style: { stroke: '#1565c0', lineWidth: 2 } },
          ] };
        },
        encode: { x: [1, 2], y: 0 },
        data: rows.map((v, i) => [i, v.ciLower ?? 0, v.ciUpper ?? 0]),
      },
      {
        type: 'scatter',
        name: i18n.t('lift'),
        symbolSize: 12,
        data: rows.map((v, i) => [v.lift ?? 0, i]),
        markLine: { symbol: 'none', silent: true, data: [{ xAxis: 0 }], lineStyle: { color: '#555' } },
      },
    ],
  };
}

function ExperimentResults({ id }: { id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [engine, setEngine] = useState<StatsEngine>('BAYESIAN');
  const [sequential, setSequential] = useState(false);
  const q = useQuery(EXPERIMENT, { id, engine, sequential: engine === 'FREQUENTIST' && sequential });
  const e = q.data?.experiment;
  return (
    <>
      <p>
        <a href="#/experiments">← {t('navExperiments')}</a>
      </p>
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      {e && (
        <>
          <h2>
            {e.name} <span className="muted">{i18n.status(e.status)}</span>
          </h2>
          <div className="toolbar">
            <label>
              {t('engine')}{' '}
              <select value={engine} onChange={(ev) => setEngine(ev.target.value as StatsEngine)} data-testid="engine">
                <option value="BAYESIAN">{t('bayesian')}</option>
                <option value="FREQUENTIST">{t('frequentist')}</option>
              </select>
            </label>
            {engine === 'FREQUENTIST' && (
              <label>
                <input type="checkbox" checked={sequential} onChange={(ev) => setSequential(ev.target.checked)} data-testid="sequential" /> {t('sequential')}
              </label>
            )}
          </div>
          <p className="note" data-testid="sequential-note">
            {engine === 'FREQUENTIST' && sequential ? t('sequentialOn') : t('sequentialOff')}
          </p>
          <p>
            {t('exposures')}: {e.variants.map((v, i) => `${v.name} ${i18n.number(e.analysis.exposures[i] ?? 0)}`).join(' · ')}
          </p>
          {e.analysis.metrics.map((m) => (
            <MetricPanel key={m.name} metric={m} engine={engine} />
          ))}
        </>
      )}
    </>
  );
}

function MetricPanel({ metric, engine }: { metric: MetricResult; engine: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const variants = metric.analysis?.variants ?? [];
  const option = useMemo(() => liftOption(variants, i18n), [variants, i18n]);
  return (
    <section className="card" data-testid={`metric-${metric.name}`}>
      <h3>
        {metric.name} <span className="muted">{metric.kind}</span>
      </h3>
      {metric.analysis &&
        (metric.analysis.srmWarning ? (
          <p className="error" role="alert" data-testid="srm">
            {t('srmWarning', { p: metric.analysis.srmPValue.toPrecision(2) })}
          </p>
        ) : (
          <p className="ok" data-testid="srm">{t('srmOk', { p: metric.analysis.srmPValue.toPrecision(2) })}</p>
        ))}
      {metric.note && <p className="muted">{metric.note}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">{t('variant')}</th>
            <th scope="col">{t('users')}</th>
            <th scope="col">{t('mean')}</th>
            <th scope="col">{t('lift')}</th>
            <th scope="col">{t('interval')}</th>
            <th scope="col">{engine === 'BAYESIAN' ? t('chanceToWin') : t('pValue')}</th>
          </tr>
        </thead>
        <tbody>
          {variants.map((v, i) => (
            <tr key={v.name}>
              <td>
                {v.name} {i === 0 && <span className="muted">({t('baseline')})</span>}
              </td>
              <td>{i18n.number(v.users)}</td>
              <td>{i18n.number(v.mean, 4)}</td>
              <td>{v.lift === null ? '–' : i18n.percent(v.lift)}</td>
              <td>{v.ciLower === null || v.ciUpper === null ? '–' : `${i18n.percent(v.ciLower)} … ${i18n.percent(v.ciUpper)}`}</td>
              <td data-testid={`win-${v.name}`}>
                {engine === 'BAYESIAN' ? (v.chanceToWin === null ? '–' : i18n.percent(v.chanceToWin)) : v.pValue === null ? '–' : i18n.number(v.pValue, 4)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {variants.length > 1 && <Chart option={option} label={`${metric.name}: ${t('lift')}`} height={60 + 50 * (variants.length - 1)} />}
    </section>
  );
}
