// A live trend on a canvas (uPlot, ≈50 kB, loaded only when a detail view opens so the control room
// stays lean). The limit (定员/定量) and the pre-alarm level are drawn as dashed lines.
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';

export type TrendPoint = { t: number; v: number | null };

type Props = {
  title: string;
  unit: string;
  points: readonly TrendPoint[];
  limit: number | null;
  warn?: number | null;
  limitLabel: string;
  warnLabel?: string;
  testId: string;
  /** The x range (epoch s), so an empty hour still shows an hour. */
  from: number;
  to: number;
};

const loadUplot = () => Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default);

// The window's ends carry no value but the limits, so the limit lines span the whole window even
// before the first reading of it.
function dataOf(p: Props): uPlot.AlignedData {
  const pts = p.points.filter((x) => x.t > p.from && x.t < p.to);
  const xs = [p.from, ...pts.map((x) => x.t), p.to];
  const ys = [null, ...pts.map((x) => x.v), null];
  const flat = (v: number | null | undefined) => xs.map(() => v ?? null);
  return p.warn != null ? [xs, ys, flat(p.limit), flat(p.warn)] : [xs, ys, flat(p.limit)];
}

export function TrendChart(props: Props) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    let cancelled = false;
    let observer: ResizeObserver | undefined;
    void loadUplot().then((UPlot) => {
      if (cancelled || !host.current) return;
      const p = latest.current;
      const width = () => Math.max(300, host.current?.clientWidth ?? 600);
      chart.current = new UPlot(
        {
          width: width(),
          height: 220,
          scales: { x: { time: true, range: () => [latest.current.from, latest.current.to] }, y: { range: (_u, min, max) => [0, Math.max(1, max ?? 0, (latest.current.limit ?? 0) * 1.15, min ?? 0)] } },
          axes: [
            { stroke: '#9aa7b4', grid: { stroke: '#26313d' }, ticks: { stroke: '#26313d' } },
            { stroke: '#9aa7b4', grid: { stroke: '#26313d' }, ticks: { stroke: '#26313d' }, label: p.unit },
          ],
          series: [
            {},
            { label: p.title, stroke: '#4fc3f7', width: 2, fill: 'rgba(79,195,247,0.12)', spanGaps: false, points: { show: true, size: 5 } },
            { label: p.limitLabel, stroke: '#ff5252', width: 2, dash: [8, 6], points: { show: false } },
            ...(p.warn != null ? [{ label: p.warnLabel ?? '', stroke: '#ffb300', width: 1.5, dash: [4, 6], points: { show: false } }] : []),
          ],
          legend: { show: true },
        },
        dataOf(p),
        host.current,
      );
      observer = new ResizeObserver(() => chart.current?.setSize({ width: width(), height: 220 }));
      observer.observe(host.current);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setData(dataOf(props), true);
  }, [props.points, props.limit, props.warn, props.from, props.to]);

  return (
    <figure class="trend" data-testid={props.testId} data-points={props.points.length} data-limit={props.limit ?? ''}>
      <figcaption>
        {props.title} <small>({props.unit})</small>
      </figcaption>
      <div ref={host} class="trend-canvas" />
    </figure>
  );
}
