// The live chart of a job's metrics events, drawn with Chart.js (loaded as a WebJar): training and validation loss
// for supervised jobs, the reward margin (preferred minus rejected, training and validation) for DPO jobs, mean reward
// (training and evaluation) for reinforcement jobs, whichever keys the events carry.
// The canvas carries data-points (how many points are drawn) and data-series for tests and tools.

const SERIES = {
  loss: [
    { key: 'train_loss', label: 'Training loss', color: '#1e6fd9' },
    { key: 'valid_loss', label: 'Validation loss', color: '#d9480f' },
  ],
  margin: [
    { key: 'train_rewards_margin', label: 'Reward margin (preferred − rejected)', color: '#1e6fd9' },
    { key: 'valid_rewards_margin', label: 'Validation reward margin', color: '#d9480f' },
  ],
  reward: [
    { key: 'reward_mean', label: 'Mean reward', color: '#2b8a3e' },
    { key: 'eval_reward_mean', label: 'Evaluation mean reward', color: '#862e9c' },
  ],
};

/** The metrics events' data, oldest first. */
export function metricsOf(events) {
  return events.filter((e) => e.type === 'metrics' && e.data).map((e) => e.data)
    .sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
}

/** 'reward' when any event has a reward key, 'margin' when one has a DPO reward margin, else 'loss'. */
export function kindOf(metrics) {
  if (metrics.some((m) => 'reward_mean' in m || 'eval_reward_mean' in m)) return 'reward';
  return metrics.some((m) => 'train_rewards_margin' in m || 'valid_rewards_margin' in m) ? 'margin' : 'loss';
}

export class MetricsChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.kind = null;
    this.chart = null;
  }

  /** Redraws from all metrics so far (cheap: a few hundred points at most). */
  update(metrics) {
    const kind = kindOf(metrics);
    const series = SERIES[kind].map((s) => ({
      ...s, points: metrics.filter((m) => typeof m[s.key] === 'number').map((m) => ({ x: m.step, y: m[s.key] })),
    })).filter((s, i) => i === 0 || s.points.length > 0);
    const points = series.reduce((n, s) => n + s.points.length, 0);
    this.canvas.dataset.points = String(points);
    this.canvas.dataset.series = series.filter((s) => s.points.length).map((s) => s.key).join(',');
    this.canvas.dataset.kind = kind;
    this.canvas.setAttribute('aria-label', describe(kind, series));
    if (typeof window.Chart !== 'function') return;
    if (!this.chart || this.kind !== kind || this.chart.data.datasets.length !== series.length) {
      this.chart?.destroy();
      this.kind = kind;
      this.chart = new window.Chart(this.canvas, config(kind, series));
    }
    const steps = [...metrics].reverse().find((m) => m.total_steps)?.total_steps;
    series.forEach((s, i) => {
      const dataset = this.chart.data.datasets[i];
      dataset.data = s.points;
      dataset.pointRadius = s.key.startsWith('train') || s.key === 'reward_mean' ? (s.points.length > 40 ? 0 : 2) : 3;
    });
    this.chart.options.scales.x.max = steps ?? undefined;
    this.chart.update('none');
  }

  destroy() {
    this.chart?.destroy();
  }
}

function config(kind, series) {
  return {
    type: 'line',
    data: {
      datasets: series.map((s) => ({
        label: s.label, data: s.points, borderColor: s.color, backgroundColor: s.color,
        borderWidth: 2, tension: 0.2,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: { type: 'linear', min: 0, title: { display: true, text: 'Step' }, ticks: { precision: 0 } },
        y: { title: { display: true, text: { loss: 'Loss', margin: 'Reward margin' }[kind] ?? 'Reward' }, beginAtZero: kind === 'loss' },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  };
}

function describe(kind, series) {
  const parts = series.filter((s) => s.points.length).map((s) => {
    const first = s.points[0].y;
    const last = s.points[s.points.length - 1].y;
    return `${s.label} from ${first.toFixed(3)} to ${last.toFixed(3)} over ${s.points.length} points`;
  });
  return ({ loss: 'Loss chart: ', margin: 'Reward margin chart: ' }[kind] ?? 'Reward chart: ') + (parts.join('; ') || 'no data yet');
}
