#!/bin/sh
# A plugin that never answers, with a child holding the output pipe open: only killing the
# whole process group ends it. Prints the child's pid on stderr so a test can check it died.
sleep 30 &
echo "child $!" >&2
printf 'hang.started\t1\t%s\n' "$(date +%s)"
sleep 30
