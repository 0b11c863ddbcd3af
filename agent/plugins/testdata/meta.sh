#!/bin/sh
# A plugin in the go-mackerel-plugin style: graph definitions when MACKEREL_AGENT_PLUGIN_META is
# set, metrics otherwise. Uses the wildcards "#" (one graph per value) and "*" (one graph).
if [ -n "$MACKEREL_AGENT_PLUGIN_META" ]; then
  cat <<'JSON'
# mackerel-agent-plugin version=1
{
  "graphs": {
    "lvs.conns": {
      "label": "LVS connections",
      "unit": "integer",
      "metrics": [
        { "name": "active", "label": "Active" },
        { "name": "inactive", "label": "Inactive", "stacked": true }
      ]
    },
    "lvs.traffic.#": {
      "label": "LVS traffic %1",
      "unit": "bytes/sec",
      "metrics": [ { "name": "*", "label": "%2" } ]
    },
    "lvs.rs_weight": {
      "unit": "float",
      "metrics": [ { "name": "#" } ]
    }
  }
}
JSON
  exit 0
fi
now=$(date +%s)
printf 'lvs.conns.active\t12\t%s\n' "$now"
printf 'lvs.conns.inactive\t340\t%s\n' "$now"
printf 'lvs.traffic.eth0.rx\t1000.5\t%s\n' "$now"
printf 'lvs.traffic.eth0.tx\t2000\t%s\n' "$now"
printf 'lvs.traffic.eth1.rx\t3\t%s\n' "$now"
printf 'lvs.rs_weight.10_0_1_11_80\t100\t%s\n' "$now"
printf 'lvs.unlisted\t7\t%s\n' "$now"
