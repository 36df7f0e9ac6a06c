#!/usr/bin/env bash
# A realistic supervision cycle on a throwaway register:
#   units, a leader's instruction, a meeting decision with two lead units,
#   a milestone, a returned report, an overdue list, an urging, a close, the dossier,
#   the history verified (a hash chain) and a backup checked.
# Every date is given, so the run is the same whatever day it is.
# Run it from anywhere:  bash examples/quickstart.sh
# Set DUBAN_DB to keep the register somewhere; by default it goes to a temporary folder.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export DUBAN_DB="${DUBAN_DB:-$(mktemp -d)/quickstart.db}"
export DUBAN_USER="${DUBAN_USER:-督查室 王敏}"
code_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["code"])'; }
id_of() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }
step() { printf '\n== %s\n' "$*"; }

step "The register is $DUBAN_DB; load the units of Ordos (banners, districts, departments)"
duban unit import "$here/units-ordos.csv" > /dev/null
duban unit edit 市住房和城乡建设局 --head 张建国
duban unit edit 市生态环境局 --head 刘海燕
duban unit edit 市自然资源局 --head 赵志强

step "A leader's instruction, received on Monday 28 September, before National Day"
a=$(duban register "研究解决东胜区老旧小区冬季供暖不达标问题" --source 批示 --leader 李市长 \
      --ref "市长批示〔2026〕45号" --handling investigate --received 2026-09-28 --json | code_of)
echo "registered $a"
duban calendar explain "$a" | tail -n 4   # 15 working days, the National Day week skipped
duban assign "$a" --lead 住建局=周涛 --participant 东胜区人民政府=王芳 --on 2026-09-29  # 住建局: its short name

step "A meeting decision with two lead units, each reporting separately"
b=$(duban register "落实市政府第12次常务会议关于黄河流域生态保护的决定" --source meeting \
      --ref "市政府第12次常务会议纪要" --received 2026-10-12 --within 20 --json | code_of)
duban assign "$b" --lead 市生态环境局 --lead 市自然资源局 --participant 伊金霍洛旗人民政府 --on 2026-10-13
duban milestone add "$b" "完成沿黄生态问题排查" --unit 市生态环境局 --due 2026-10-30 --on 2026-10-13  # 节点目标

step "A deputy's proposal, registered but not yet assigned"
duban register "关于增设康巴什区公交线路的建议" --source 人大建议 --ref "人大代表建议第118号" --received 2026-10-26

step "The housing bureau reports on time, in writing, signed and sealed; the office accepts and closes"
r=$(duban report "$a" --unit zjj --kind final --text "已完成12个小区管网改造，室温全部达标" \
      --written --signed-by 张建国 --sealed --on 2026-10-20 --json | id_of)
duban review "$r" --accept --on 2026-10-21
duban close "$a" --on 2026-10-22

step "The environment bureau's report lacks its seal and a list: returned for rework (第十五条)"
r=$(duban report "$b" --unit 市生态环境局 --kind final --text "已开展沿黄生态排查" \
      --written --signed-by 刘海燕 --on 2026-11-05 --json | id_of)
duban review "$r" --return --reason "未加盖公章，未附整改清单" --within 10 --on 2026-11-06
echo "The matter cannot close while a lead unit has not finished:"
duban close "$b" --on 2026-11-09 || echo "(refused, exit $?)"

step "The overdue list on 26 November, as the morning cron job prints it"
duban overdue --as-of 2026-11-26 || true
echo "The natural resources bureau is urged by phone; the notice to send is printed:"
duban urge "$b" --unit 市自然资源局 --via phone --on 2026-11-26

step "The reworked report comes in and is accepted"
r=$(duban report "$b" --unit 市生态环境局 --kind final --text "排查整改清单随文附后" \
      --written --signed-by 刘海燕 --sealed --on 2026-11-18 --json | id_of)
duban review "$r" --accept --on 2026-11-19

step "Where the meeting decision stands"
duban show "$b"
duban list
duban summary --as-of 2026-11-26

step "The closed instruction's dossier (组卷): every record and the history, as JSON and Markdown"
duban archive "$a" --to "$(dirname "$DUBAN_DB")"

step "Trust: the history is a hash chain; a backup taken and checked"
duban verify
duban backup "$(dirname "$DUBAN_DB")/backup.db"
DUBAN_DB="$(dirname "$DUBAN_DB")/backup.db" duban check
