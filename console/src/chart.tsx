import { useEffect, useRef } from 'react';
import { BarChart, HeatmapChart, LineChart, PieChart, ScatterChart, CustomChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, AriaComponent, MarkLineComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

// Only the chart types the console draws, so the bundle carries no more of ECharts than it needs.
echarts.use([BarChart, HeatmapChart, LineChart, PieChart, ScatterChart, CustomChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, AriaComponent, MarkLineComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** One ECharts chart; `label` names it for screen readers (ECharts' aria description goes with it). */
export function Chart({ option, label, height = 260, onClick }: { option: ChartOption; label: string; height?: number; onClick?: (p: { name: string; seriesName?: string }) => void }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts>(undefined);
  useEffect(() => {
    chart.current = echarts.init(el.current!, undefined, { renderer: 'svg' });
    const resize = () => chart.current?.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ aria: { enabled: true }, animation: false, ...option }, true);
  }, [option]);
  useEffect(() => {
    if (!onClick) return;
    const c = chart.current!;
    c.on('click', (p) => onClick(p as { name: string; seriesName?: string }));
    return () => void c.off('click');
  }, [onClick]);
  return <div ref={el} className="chart" role="img" aria-label={label} style={{ height }} />;
}
