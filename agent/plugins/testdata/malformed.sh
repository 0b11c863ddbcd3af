#!/bin/sh
# A plugin that prints garbage among good lines.
now=$(date +%s)
printf 'good.one\t1\t%s\n' "$now"
printf 'no tabs at all\n'
printf 'good.two\t2.5\t%s\n' "$now"
printf 'bad.value\tabc\t%s\n' "$now"
printf 'bad.epoch\t1\tyesterday\n'
printf 'bad name\t1\t%s\n' "$now"
printf '9starts.with.digit\t1\t%s\n' "$now"
printf 'too.many\t1\t%s\textra\n' "$now"
printf 'bad.inf\t1e999\t%s\n' "$now"
printf '\n'
printf 'good.three\t-0.5e3\t%s\n' "$now"
