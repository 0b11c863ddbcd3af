#!/bin/sh
# A plain Mackerel plugin: several metrics, tab-separated, with the current epoch.
now=$(date +%s)
printf 'app.requests.get\t%s\t%s\n' 1234 "$now"
printf 'app.requests.post\t%s\t%s\n' 56 "$now"
printf 'app.latency.p99\t%s\t%s\n' 0.125 "$now"
printf 'app.queue.depth\t%s\t%s\n' -3 "$now"
# The option and environment the runner passes through:
printf 'app.args\t%s\t%s\n' "$#" "$now"
if [ -n "$APP_EXTRA" ]; then printf 'app.extra\t%s\t%s\n' "$APP_EXTRA" "$now"; fi
