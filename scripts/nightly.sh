#!/usr/bin/env bash
# lbua's nightly job: judge last night's load-balancer logs against the learned history, write the reports a team
# reads, compare with the night before, learn the night into the rolling baseline, and keep 30 days of reports.
#
#   crontab:  30 2 * * *  LBUA_LOGS=/var/log/lb LBUA_OUT=/srv/lbua /usr/local/bin/lbua-nightly.sh
#
# Layout it expects: one folder of logs per UTC day, $LBUA_LOGS/YYYY-MM-DD/ (an `aws s3 sync` of an ALB prefix per
# day, or rotated access logs moved there). It writes $LBUA_OUT/reports/YYYY-MM-DD.{json.gz,html,md}, the diff with
# the night before as YYYY-MM-DD-diff.md, and keeps the baseline in $LBUA_OUT/baseline.json.gz.
#
# Exit status (cron mails stderr and a non-zero status): 0 nothing high; 1 a finding at or above $LBUA_FAIL_ON
# (one line on stderr names them); 2 no logs for the night or a bad input.
#
# Settings (environment): LBUA_DAY (default: yesterday, UTC), LBUA_KEEP_DAYS (baseline window, 28),
# LBUA_KEEP_REPORTS (days of reports kept, 30), LBUA_FAIL_ON (high), LBUA_CHANGE_AT (a deploy time of the night,
# ISO 8601: adds the before/after comparison), LBUA (the lbua command, default `lbua`).
set -uo pipefail

logs=${LBUA_LOGS:?set LBUA_LOGS to the folder of per-day log folders}
out=${LBUA_OUT:?set LBUA_OUT to the folder for reports and the baseline}
lbua=${LBUA:-lbua}
day=${LBUA_DAY:-$(date -u -d yesterday +%F)}
prev=$(date -u -d "$day -1 day" +%F)
keep_days=${LBUA_KEEP_DAYS:-28}
keep_reports=${LBUA_KEEP_REPORTS:-30}
fail_on=${LBUA_FAIL_ON:-high}
baseline="$out/baseline.json.gz"
reports="$out/reports"

if [ ! -d "$logs/$day" ]; then
  echo "lbua-nightly: no logs for $day ($logs/$day)" >&2
  exit 2
fi
mkdir -p "$reports"

# First night: learn the days already on disk (up to the window) before judging this one.
if [ ! -f "$baseline" ]; then
  history=()
  for d in $(seq "$keep_days" -1 1); do
    past=$(date -u -d "$day -$d day" +%F)
    [ -d "$logs/$past" ] && history+=("$logs/$past")
  done
  if [ ${#history[@]} -gt 0 ]; then
    "$lbua" baseline build "${history[@]}" --keep-days "$keep_days" -o "$baseline" || exit 2
  fi
fi

# 1. Last night against the history (the baseline does not hold it yet): JSON for scripts and diffs, HTML to read,
#    markdown for the team channel (it links the HTML).
args=(analyze "$logs/$day" --quiet --fail-on "$fail_on"
  -o "$reports/$day.json.gz" -o "$reports/$day.html" -o "$reports/$day.md")
[ -f "$baseline" ] && args+=(--baseline "$baseline")
[ -n "${LBUA_CHANGE_AT:-}" ] && args+=(--change-at "$LBUA_CHANGE_AT")
"$lbua" "${args[@]}"
status=$?
[ $status -ge 2 ] && exit $status

# 2. What changed since the night before.
if [ -f "$reports/$prev.json.gz" ]; then
  "$lbua" diff "$reports/$prev.json.gz" "$reports/$day.json.gz" -o "$reports/$day-diff.md" || status=2
fi

# 3. Learn the night: the rolling window keeps the latest $keep_days days. A night with an incident is learned too;
#    the history detector's reference is the median over the days (and a MAD spread), which one bad night does not move.
if [ -f "$baseline" ]; then
  "$lbua" baseline update "$baseline" "$logs/$day" --keep-days "$keep_days" || status=2
else
  "$lbua" baseline build "$logs/$day" --keep-days "$keep_days" -o "$baseline" || status=2
fi

# 4. Keep $keep_reports days of reports.
find "$reports" -type f -mtime +"$keep_reports" -delete

exit $status
