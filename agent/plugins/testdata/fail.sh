#!/bin/sh
# A plugin that prints one metric, complains on stderr and exits non-zero.
printf 'fail.partial\t1\t%s\n' "$(date +%s)"
echo "cannot connect to 127.0.0.1:11211: connection refused" >&2
echo "  (is memcached running?)  " >&2
exit 3
