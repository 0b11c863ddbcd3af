// IPVS and ARP charts for the host view, drawn only for hosts that report them: per virtual
// service its real servers' connections (active stacked above the axis, inactive below, the
// way `ipvsadm -Ln` lists them), IPVS traffic totals, and the ARP table against its hard limit
// gc_thresh3. Pure: from the host's catalogue to the series to fetch, from the answers to specs.
import { seriesColumnKey } from '../../protocol/series-key.ts';
import type { CatalogSeries } from '../api.ts';
import { lastIndex, mean, spreadColor, type Column, type LineSpec } from '../chart-data.ts';
import type { ChartSpec } from '../charts.ts';
import { bandOf as band } from '../chart-lines.ts';
import { formatPct } from '../format.ts';

/** What a section's charts are built from: every answer merged on one grid, and its labels. */
export interface ExtraData {
  cols: Record<string, Column>;
  /** Column key → the series' labels (from the series answers). */
  labels: Record<string, Record<string, string>>;
}

const RS_ACTIVE = 'ipvs_rs_active_conns';
const RS_INACTIVE = 'ipvs_rs_inactive_conns';
const TOTALS = [
  'ipvs_conns_per_s',
  'ipvs_in_packets_per_s',
  'ipvs_out_packets_per_s',
  'ipvs_in_bps',
  'ipvs_out_bps',
] as const;
const ARP = ['arp_entries_total', 'arp_incomplete_total', 'arp_gc_thresh3'] as const;

/** At most this many service charts, and real servers per service (the busiest). */
const MAX_SERVICES = 12;
export const MAX_REAL_SERVERS = 16;

/** The series names this host's IPVS and ARP charts need, from what its catalogue lists. */
export function networkSeries(catalog: readonly CatalogSeries[]): string[] {
  const names = new Set(catalog.map((s) => s.name));
  const out: string[] = [];
  if (names.has(RS_ACTIVE)) out.push(RS_ACTIVE);
  if (names.has(RS_INACTIVE)) out.push(RS_INACTIVE);
  for (const n of TOTALS) if (names.has(n)) out.push(n);
  // The table's size is what the chart is about; the limit and incomplete entries go beside it.
  if (names.has('arp_entries_total')) for (const n of ARP) if (names.has(n)) out.push(n);
  return out;
}

function last(col: Column | undefined): number | undefined {
  if (!col) return undefined;
  const i = lastIndex(col);
  return i < 0 ? undefined : (col[i] as number);
}

interface RealServer {
  name: string;
  method: string;
  scheduler: string;
  active?: string;
  inactive?: string;
}

interface Service {
  schedulers: Set<string>;
  servers: Map<string, RealServer>;
}

/** Services by name, each with its real servers (one per real server, method and scheduler). */
function services(data: ExtraData): Map<string, Service> {
  const out = new Map<string, Service>();
  for (const [key, l] of Object.entries(data.labels)) {
    const kind = key.startsWith(`${RS_ACTIVE}{`)
      ? 'active'
      : key.startsWith(`${RS_INACTIVE}{`)
        ? 'inactive'
        : undefined;
    if (!kind || l.service === undefined || l.real_server === undefined) continue;
    let svc = out.get(l.service);
    if (!svc) out.set(l.service, (svc = { schedulers: new Set(), servers: new Map() }));
    if (l.scheduler) svc.schedulers.add(l.scheduler);
    const id = `${l.real_server}\u0000${l.method ?? ''}\u0000${l.scheduler ?? ''}`;
    let rs = svc.servers.get(id);
    if (!rs) svc.servers.set(id, (rs = { name: l.real_server, method: l.method ?? '', scheduler: l.scheduler ?? '' }));
    rs[kind] = key;
  }
  return out;
}

function byAddress(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

function serviceSpec(name: string, svc: Service, data: ExtraData, dark: boolean): ChartSpec {
  const all = [...svc.servers.values()];
  const load = (rs: RealServer) => mean(data.cols[rs.active ?? '']) + mean(data.cols[rs.inactive ?? '']);
  const shown = [...all]
    .sort((a, b) => load(b) - load(a) || byAddress(a.name, b.name))
    .slice(0, MAX_REAL_SERVERS)
    .sort((a, b) => byAddress(a.name, b.name));
  // The forwarding method goes in the note when all share it, else beside each real server;
  // two schedulers in one window (the service was edited) keep their lines apart.
  const methods = [...new Set(all.map((rs) => rs.method).filter(Boolean))];
  const many = svc.schedulers.size > 1;
  const lines = shown.flatMap((rs, i): LineSpec[] => {
    const color = spreadColor(i, dark);
    const group = [rs.name, methods.length > 1 && rs.method, many && rs.scheduler].filter(Boolean).join(' ');
    return [
      {
        key: rs.active ?? `${RS_ACTIVE}{missing}`,
        label: `${group} active`,
        name: group,
        color,
        group,
        stack: 'active',
        width: 1,
      },
      {
        key: rs.inactive ?? `${RS_INACTIVE}{missing}`,
        label: `${group} inactive`,
        name: group,
        color,
        group,
        stack: 'inactive',
        mirror: true,
        dash: [4, 2],
      },
    ];
  });
  const count =
    all.length === shown.length
      ? `${all.length} real server${all.length === 1 ? '' : 's'}`
      : `busiest ${shown.length} of ${all.length} real servers`;
  return {
    id: `ipvs:${name}`,
    title: `IPVS ${name}`,
    unit: 'count',
    readout: 'all',
    note: [
      [...svc.schedulers].join(', ') || 'no scheduler',
      methods.length === 1 && methods[0],
      count,
      'stacked: active above the axis, inactive below',
    ]
      .filter(Boolean)
      .join(' · '),
    lines,
  };
}

/** The IPVS and ARP charts for what was fetched, and notes about what was left out. */
export function networkSpecs(
  data: ExtraData,
  colors: string[],
  dark: boolean,
): { specs: ChartSpec[]; notes: string[] } {
  const [c1, c2, c3, c4, , , , c8] = colors;
  const specs: ChartSpec[] = [];
  const notes: string[] = [];
  const svcs = [...services(data).entries()].sort((a, b) => byAddress(a[0], b[0]));
  if (svcs.length > MAX_SERVICES)
    notes.push(`IPVS: ${svcs.length} virtual services; the first ${MAX_SERVICES} are charted.`);
  for (const [name, svc] of svcs.slice(0, MAX_SERVICES)) specs.push(serviceSpec(name, svc, data, dark));
  // The totals are series without labels: their columns are keyed NAME{}.
  const u = (name: string) => seriesColumnKey(name, {});
  const has = (k: string) => k in data.cols;
  if (has(u('ipvs_conns_per_s'))) {
    specs.push({
      id: 'ipvs-conns',
      title: 'IPVS new connections',
      unit: 'per_s',
      readout: 'all',
      note: 'all services, per second',
      lines: [
        { key: u('ipvs_conns_per_s'), label: 'connections', color: c1, width: 2, band: band(u('ipvs_conns_per_s')) },
      ],
    });
  }
  if (has(u('ipvs_in_packets_per_s')) || has(u('ipvs_out_packets_per_s'))) {
    specs.push({
      id: 'ipvs-packets',
      title: 'IPVS packets',
      unit: 'per_s',
      readout: 'all',
      note: 'in above the axis, out below',
      lines: [
        { key: u('ipvs_in_packets_per_s'), label: 'in', color: c2, band: band(u('ipvs_in_packets_per_s')) },
        {
          key: u('ipvs_out_packets_per_s'),
          label: 'out',
          color: c2,
          mirror: true,
          dash: [4, 2],
          band: band(u('ipvs_out_packets_per_s')),
        },
      ],
    });
  }
  if (has(u('ipvs_in_bps')) || has(u('ipvs_out_bps'))) {
    specs.push({
      id: 'ipvs-bytes',
      title: 'IPVS traffic',
      unit: 'bits_per_s',
      readout: 'all',
      note: 'in above the axis, out below',
      lines: [
        { key: u('ipvs_in_bps'), label: 'in', color: c3, scale: 8, band: band(u('ipvs_in_bps')) },
        {
          key: u('ipvs_out_bps'),
          label: 'out',
          color: c3,
          scale: 8,
          mirror: true,
          dash: [4, 2],
          band: band(u('ipvs_out_bps')),
        },
      ],
    });
  }
  if (has(u('arp_entries_total'))) {
    const entries = last(data.cols[u('arp_entries_total')]);
    const limit = last(data.cols[u('arp_gc_thresh3')]);
    const note = limit
      ? `limit gc_thresh3 = ${Math.round(limit)}${entries === undefined ? '' : `, ${formatPct((entries / limit) * 100)} of it in use`}`
      : 'no gc_thresh3 reported';
    specs.push({
      id: 'arp',
      title: 'ARP table',
      unit: 'count',
      readout: 'all',
      note,
      lines: [
        { key: u('arp_entries_total'), label: 'entries', color: c1, width: 2, band: band(u('arp_entries_total')) },
        { key: u('arp_incomplete_total'), label: 'incomplete', color: c4, band: band(u('arp_incomplete_total')) },
        { key: u('arp_gc_thresh3'), label: 'limit (gc_thresh3)', color: c8, dash: [6, 4] },
      ],
    });
  }
  return { specs, notes };
}
