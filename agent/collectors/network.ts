// Host network traffic from /proc/net/dev: per-interface rates as labelled series, and the
// host totals net_rx_bps / net_tx_bps over the same interfaces.
//
// Which interfaces: physical ones by default, chosen by name, because a name survives where
// sysfs hints do not (in a network namespace every interface, even the one to the world, is a
// veth without a /sys/class/net/IF/device). The default list skips loopback, container and VM
// plumbing, and tunnels whose traffic is already counted, encapsulated, on a physical interface.
// A host that bonds or tags VLANs counts a packet on both the upper and the lower interface;
// such hosts add one side to excludeIfaces. includeIfaces brings back a default-skipped one.
//
// Counters are 64-bit on current kernels (unsigned long, so 32-bit on 32-bit kernels): a step
// down is an interface reset (driver reload, ifdown) and yields nothing for that step.
import type { CollectContext, Collector } from './collector.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import { readNetDev, type NetDevStats } from '../procfs/net-dev.ts';

export const DEFAULT_EXCLUDED_IFACES: readonly string[] = [
  'lo',
  // Docker, Podman, libvirt, LXC/LXD, Kubernetes CNIs: bridges, veth pairs, overlays.
  'veth*',
  'docker*',
  'br-*',
  'virbr*',
  'vnet*',
  'lxc*',
  'lxdbr*',
  'podman*',
  'cni*',
  'flannel*',
  'cali*',
  'vxlan*',
  'weave*',
  'datapath',
  'kube-ipvs*',
  'kube-bridge',
  'cilium_*',
  'nodelocaldns',
  'genev_sys_*',
  'vxlan_sys_*',
  'ovs-system',
  // Kernel helpers with no wire behind them, and IP-in-IP/GRE tunnels.
  'ifb*',
  'dummy*',
  'sit*',
  'ip6tnl*',
  'ip6gre*',
  'gre*',
  'erspan*',
  'ip_vti*',
  'ip6_vti*',
  // VPN tunnels (tun* also covers tunl*): like all tunnels, their bytes also cross a physical interface.
  'tun*',
  'tap*',
  'wg*',
  'tailscale*',
  'zt*',
];

/** Glob (`*`, `?`) to an anchored regular expression. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * Whether an interface is collected: excludeIfaces wins, then includeIfaces, then the default
 * list; anything else is kept.
 */
export function ifaceFilter(
  include: readonly string[] = [],
  exclude: readonly string[] = [],
): (iface: string) => boolean {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  const def = DEFAULT_EXCLUDED_IFACES.map(globToRegExp);
  return (iface) => {
    if (exc.some((r) => r.test(iface))) return false;
    if (inc.some((r) => r.test(iface))) return true;
    return !def.some((r) => r.test(iface));
  };
}

export interface NetworkOptions {
  /** Where procfs is mounted: `/proc`, or `/host/proc` for an agent in a container. */
  procRoot: string;
  /** Glob patterns of interfaces to collect although the default list skips them (`veth*`). */
  includeIfaces?: readonly string[];
  /** Glob patterns of interfaces to skip besides the default list; wins over includeIfaces. */
  excludeIfaces?: readonly string[];
  /**
   * Whose network namespace to read, as a pid in procRoot. Default: `self` when procRoot is
   * `/proc`; `1` otherwise, since a host /proc mounted into a container shows the host's init
   * as pid 1, while `/host/proc/net/dev` would show the agent's own (container) namespace.
   */
  netnsPid?: string;
}

export function networkCollector(opts: NetworkOptions): Collector {
  const keep = ifaceFilter(opts.includeIfaces, opts.excludeIfaces);
  const pid = opts.netnsPid ?? (opts.procRoot.replace(/\/+$/, '') === '/proc' ? 'self' : '1');
  return {
    name: 'network',
    async collect(out, ctx) {
      const ifaces = (await readNetDev(opts.procRoot, pid)).filter((s) => keep(s.iface));
      emitNetwork(out, ctx, ifaces);
    },
  };
}

/** Per-interface series and host totals; totals only when every interface has a rate. */
export function emitNetwork(out: SnapshotBuilder, ctx: CollectContext, ifaces: readonly NetDevStats[]): void {
  let rxTotal = 0;
  let txTotal = 0;
  let complete = true;
  for (const s of ifaces) {
    const labels = { iface: s.iface };
    const rx = ctx.rates.rate(`net:rx_bytes:${s.iface}`, s.rxBytes, ctx.mono);
    const tx = ctx.rates.rate(`net:tx_bytes:${s.iface}`, s.txBytes, ctx.mono);
    out.seriesValue('net_rx_bps', labels, rx);
    out.seriesValue('net_tx_bps', labels, tx);
    out.seriesValue('net_rx_pps', labels, ctx.rates.rate(`net:rx_packets:${s.iface}`, s.rxPackets, ctx.mono));
    out.seriesValue('net_tx_pps', labels, ctx.rates.rate(`net:tx_packets:${s.iface}`, s.txPackets, ctx.mono));
    if (rx === undefined || tx === undefined) complete = false;
    else {
      rxTotal += rx;
      txTotal += tx;
    }
  }
  // A partial sum would show a dip that never happened; a one-tick gap is honest.
  if (complete && ifaces.length > 0) {
    out.hostMetric('net_rx_bps', rxTotal);
    out.hostMetric('net_tx_bps', txTotal);
  }
}
