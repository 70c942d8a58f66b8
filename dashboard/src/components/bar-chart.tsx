// Horizontal bars in plain SVG: a handful of categories do not need a chart library in the bundle.

export type Bar = { key: string; label: string; value: number };

export function BarChart({ title, bars, testId, format = String }: { title: string; bars: readonly Bar[]; testId: string; format?: (n: number) => string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 26;
  const labelW = 150;
  const width = 520;
  const height = Math.max(row, bars.length * row);
  return (
    <figure class="bar-chart" data-testid={testId} data-bars={bars.length}>
      <figcaption>{title}</figcaption>
      {bars.length === 0 ? (
        <p class="empty">—</p>
      ) : (
        <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={title}>
          {bars.map((b, i) => {
            const w = ((width - labelW - 60) * b.value) / max;
            return (
              <g key={b.key} transform={`translate(0 ${i * row})`} data-key={b.key} data-value={b.value}>
                <text x={labelW - 8} y={row / 2 + 5} text-anchor="end" class="bar-label">
                  {b.label}
                </text>
                <rect x={labelW} y={4} width={Math.max(1, w)} height={row - 8} rx={3} class="bar-rect" />
                <text x={labelW + w + 6} y={row / 2 + 5} class="bar-value">
                  {format(b.value)}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}
