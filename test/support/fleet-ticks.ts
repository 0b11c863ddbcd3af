// What a simulated host sends each tick, for test/support/sim-fleet.ts: a one-tick v2 batch of
// the host's core metrics, a few containers and labelled series, values a pure function of
// (host, metric, time) from bench/synthetic.ts, so two runs make the same rows.
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import { COLUMNS_VERSION } from '../../protocol/constants.ts';
import { noise } from '../../bench/synthetic.ts';
import type { TickMaker } from './sim-fleet.ts';

export function fleetTickMaker(shape = { containers: 8, series: 4, interval: 10 }): TickMaker {
  return (host, seed, ts, batchId) => {
    const value = (entity: number, m: number) => Math.round(noise(seed * 1000 + entity, m, ts) * 1e6) / 100;
    return {
      v: COLUMNS_VERSION,
      batch_id: batchId,
      agent: { host, machine_id: `machine-${host}`, version: 'sim', interval: shape.interval },
      host: { ts: [ts], metrics: Object.fromEntries(HOST_METRIC_NAMES.map((m, i) => [m, [value(0, i)]])) },
      containers: Array.from({ length: shape.containers }, (_, c) => ({
        id: `${seed}-${c}`.padEnd(64, 'a'),
        name: `app-${c}`,
        ts: [ts],
        metrics: Object.fromEntries(CONTAINER_METRIC_NAMES.map((m, i) => [m, [value(c + 1, i)]])),
      })),
      series: Array.from({ length: shape.series }, (_, s) => ({
        name: 'net_rx_bps',
        labels: { iface: `eth${s}` },
        ts: [ts],
        values: [value(100 + s, 0)],
      })),
    };
  };
}
