#!/bin/sh
# Render the first page of each official document (docs/documents.md) to PNG:
# docs/images/notice-assign.png, notice-urge.png, bulletin.png.
# Needs LibreOffice (soffice) and pdftoppm (poppler-utils), and a CJK font (fonts-noto-cjk).
# Run from the repository: sh docs/render_examples.sh
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
duban="$here/.venv/bin/duban"
python="$here/.venv/bin/python"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DUBAN_DB="$work/register.db" DUBAN_USER="督查室 王敏" DUBAN_LANG=zh
cd "$work"

$duban init >/dev/null
$duban unit add 市住房和城乡建设局 --code zjj --head 张建国 >/dev/null
$duban unit add 市教育局 --code jyj --head 李明 >/dev/null
$duban unit add 东胜区人民政府 --code dsq --head 刘伟 --kind district >/dev/null
$duban config office_contact "督查室 王敏 0477-8581234" >/dev/null
$duban config document_cc "市委办公室，市人大常委会办公室，市政协办公室" >/dev/null
$duban register "研究解决城区集中供暖问题" --source 批示 --leader 王市长 \
  --ref "市长批示〔2026〕12号" --received 2026-11-02 \
  --plan "1. 摸清城区供暖管网底数；2. 制定老旧管网改造方案；3. 12月底前完成应急抢修。" >/dev/null
$duban assign DB-2026-0001 --lead 市住房和城乡建设局 --participant 东胜区人民政府 --on 2026-11-03 >/dev/null
$duban register "整治校园周边交通秩序" --source 会议 --received 2026-10-09 >/dev/null
$duban assign DB-2026-0002 --lead 市教育局 --on 2026-10-09 >/dev/null
$duban report DB-2026-0002 --unit 市教育局 --kind final --text "已完成整治" --on 2026-10-20 \
  --written --signed-by 李明 --sealed >/dev/null
$duban review 1 --accept --on 2026-10-21 >/dev/null
$duban close DB-2026-0002 --on 2026-10-22 >/dev/null
$duban urge DB-2026-0001 --on 2026-11-26 >/dev/null

$duban notice DB-2026-0001 --kind assign --on 2026-11-03 --out notice-assign.docx >/dev/null
$duban notice DB-2026-0001 --kind urge --on 2026-12-01 --out notice-urge.docx >/dev/null
$duban urge DB-2026-0001 --on 2026-12-01 >/dev/null
$duban bulletin --from 2026-10-01 --to 2026-12-31 --json >bulletin.json
$python -c "
import json, sys
from pathlib import Path
from duban.documents import bulletin_docx
bulletin_docx(json.load(open('bulletin.json')), Path('bulletin.docx'), 'zh')
"
for name in notice-assign notice-urge bulletin; do
  soffice --headless --convert-to pdf "$name.docx" --outdir "$work" >/dev/null 2>&1
  pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$name.pdf" "$here/docs/images/$name"
done
echo "wrote docs/images/notice-assign.png, notice-urge.png, bulletin.png"
