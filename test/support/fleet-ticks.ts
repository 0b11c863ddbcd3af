// What a simulated host sends each tick, for test/support/sim-fleet.ts: the live fleet's
// agent of bench/fleet.ts (bench/lib/fleet-load.ts: core host metrics, Compose containers,
// labelled series, values shaped as the agent computes them and a pure function of host,
// entity and time, so two runs make the same rows), at a size a fault test can send from 200
// hosts on a small machine.
import { fleetContainers, fleetTick, type FleetContainer, type FleetShape } from '../../bench/lib/fleet-load.ts';
import type { TickMaker } from './sim-fleet.ts';

export function fleetTickMaker(shape: FleetShape = { containers: 8, series: 4, interval: 10 }): TickMaker {
  const containers = new Map<number, FleetContainer[]>();
  return (host, seed, ts, batchId) => {
    let mine = containers.get(seed);
    if (!mine) containers.set(seed, (mine = fleetContainers(host, seed, shape.containers)));
    return fleetTick(host, seed, mine, ts, batchId, shape);
  };
}
