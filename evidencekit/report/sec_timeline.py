"""Key-event timeline and activity chart (§5 section 7), the full event list and the
verification procedure (appendices E and F), and the pointer to the sealed annex."""

from __future__ import annotations

from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Preformatted

from evidencekit.report.chart import activity_chart
from evidencekit.report.data import ReportData, iter_timeline
from evidencekit.report.doc import FRAME_WIDTH, Heading, Styles, body, hexwrap, para, table
from evidencekit.report.i18n import Labels, fmt_time, jst
from evidencekit.report.options import ReportOptions
from evidencekit.report.sec_evidence import ev_number
from evidencekit.timeline.seal import TimelineHead

ROWS_PER_BLOCK = 84
ROW_HEIGHT = 8.0
LIST_HEADER = (
    f"{'LEAF':>7} {'TIME (JST)':<19} {'ACTION':<17} {'KIND':<28} {'EV':<7} {'EVENT ID':<32} FILE"
)


def key_events(st: Styles, data: ReportData, opt: ReportOptions) -> list[Flowable]:
    """Section 7: the condensed key-event table and the daily activity chart."""
    L = st.labels
    out: list[Flowable] = [Heading("7. " + L("時系列", "Timeline"), st.h1, 0)]
    out += body(
        st,
        "主要イベント（所見が依拠するイベント、又は所見がない場合は持出し・削除・機器接続等の操作）を示す。"
        "ファイルは参照番号（FILE-nnnn）とハッシュ値のみで示し、パス・名称は別紙（非開示）に記載する。"
        "全イベントは付録（全イベント一覧）に、ハッシュチェーン付きのタイムラインはパッケージに含まれる。",
        "Key events (those findings rest on or, without findings, copy, delete, device and "
        "similar actions). Files are named only by reference (FILE-nnnn) and hash; paths and "
        "names are in the sealed annex. Every event is listed in the appendix "
        "'Full event list'; the hash-chained "
        "timeline is in the package.",
    )
    out += _key_table(st, data)
    chart = activity_chart(data.activity, st.labels, st.fonts.gothic, FRAME_WIDTH)
    out.append(
        KeepTogether(
            [para(L("日別の活動（操作種別ごと）", "Daily activity by action"), st.h2), chart]
        )
    )
    out.append(PageBreak())
    return out


def _key_table(st: Styles, data: ReportData) -> list[Flowable]:
    """Key events with leaf index, id, JST time, swimlane, kind, source, account, file."""
    L, ev, counter = st.labels, ev_number(data), _counter_ids(data)
    rows = [
        [
            str(r.leaf),
            para(r.event_id, st.mono),
            fmt_time(r.time, st.lang, long=False) + _day_flag(r.time, st),
            f"{lane(r.action, r.event_id in counter, st)}\n{r.action}",
            r.kind,
            ev.get(r.source, r.source),
            r.account or "—",
            _file(st, r.file_ref, r.object_sha256),
        ]
        for r in data.key_events
    ]
    if not rows:
        return body(st, "主要イベントの記録はない。", "No key events are recorded.")
    header = [
        L("葉番号", "Leaf"),
        L("イベントID", "Event id"),
        "JST",
        L("区分/操作", "Lane/action"),
        L("種別", "Kind"),
        "EV",
        L("アカウント", "Account"),
        L("ファイル", "File"),
    ]
    return [table(st, header, rows, [0.68, 2.75, 1.15, 1.2, 1.05, 0.75, 1.02, 1.4])]


LANES: tuple[tuple[str, str, frozenset[str]], ...] = (
    (
        "人事・背景",
        "HR/context",
        frozenset({"hr_event", "logon", "logoff", "badge_in", "badge_out"}),
    ),
    (
        "アクセス",
        "access",
        frozenset({"access", "read", "open", "download", "visit", "access_denied"}),
    ),
    (
        "準備",
        "staging",
        frozenset({"copy", "create", "modify", "rename", "move", "metadata_change"}),
    ),
    ("持出し", "transfer", frozenset({"upload", "send", "share", "print", "device_connect"})),
    ("隠蔽", "cover-up", frozenset({"delete", "wipe", "log_cleared", "permission_change"})),
)


def lane(action: str, counter: bool, st: Styles) -> str:
    """Swimlane of a key event (domain map §5 section 7)."""
    if counter:
        return st.labels("反対方向の事情", "counter-indicator")
    for ja, en, actions in LANES:
        if action in actions:
            return st.labels(ja, en)
    return st.labels("その他", "other")


def _counter_ids(data: ReportData) -> set[str]:
    if data.analysis is None:
        return set()
    return {
        r.event_id for f in data.analysis.findings for c in f.counter_indicators for r in c.evidence
    }


def _day_flag(time: str | None, st: Styles) -> str:
    from evidencekit.report.i18n import holiday_name

    local = jst(time)
    if local is None:
        return ""
    name = holiday_name(local.date())
    if name:
        return f"\n{st.labels('祝', 'holiday')}: {name}"
    return f"\n{st.labels('土日', 'weekend')}" if local.weekday() >= 5 else ""


def _file(st: Styles, ref: str | None, sha: str | None) -> Any:
    if ref is None:
        return "—"
    return para(f"{ref}\n{hexwrap(sha, 16) if sha else '(no hash)'}", st.mono)


class EventBlock(Flowable):  # type: ignore[misc]
    """Up to one page of the full event list, drawn directly (fast for 100,000 rows)."""

    def __init__(self, lines: list[str], font: str) -> None:
        super().__init__()
        self.lines = lines
        self.font = font

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return FRAME_WIDTH, (len(self.lines) + 1.5) * ROW_HEIGHT

    def draw(self) -> None:
        canvas: Canvas = self.canv
        doc = getattr(canvas, "_doctemplate", None)
        if getattr(doc, "layout_pass", 2) == 1:
            return  # the first pass only fills the table of contents; blocks have fixed size

        text = canvas.beginText(0, (len(self.lines) + 0.6) * ROW_HEIGHT)
        text.setFont(self.font, 6.4, ROW_HEIGHT)
        text.textLine(LIST_HEADER)
        text.textLines(self.lines)
        canvas.drawText(text)


def event_list(st: Styles, data: ReportData, opt: ReportOptions) -> list[Flowable]:
    """Appendix E: every event with leaf index and id (no paths), up to the limit."""
    L, head = st.labels, data.head
    out: list[Flowable] = [Heading(L("付録 全イベント一覧", "Appendix: Full event list"), st.h1, 0)]
    if head.size > opt.appendix_limit:
        return [
            *out,
            *body(
                st,
                f"イベント数（{head.size}件）が上限（{opt.appendix_limit}件）を超えるため、一覧は"
                "パッケージ内のタイムライン（timeline.jsonl）を参照されたい。",
                f"The timeline holds {head.size} events, more than the listing limit of "
                f"{opt.appendix_limit}; see timeline.jsonl in the package.",
            ),
            PageBreak(),
        ]
    ev, lines, files = ev_number(data), [], _file_refs(data)
    for leaf, event in iter_timeline(data.timeline_path):
        obj = event.get("object") or {}
        key = obj.get("path") or obj.get("url") or obj.get("name")
        lines.append(
            f"{leaf:>7} {fmt_time(event.get('time'), st.lang, long=False):<19} "
            f"{event['action'][:17]:<17} {event['kind'][:28]:<28} "
            f"{ev.get(event['source'], '?'):<7} {event['id']} {files.get(key, '') if key else ''}"
        )
    out += [
        EventBlock(lines[i : i + ROWS_PER_BLOCK], st.fonts.mono)
        for i in range(0, len(lines), ROWS_PER_BLOCK)
    ]
    out.append(PageBreak())
    return out


def _file_refs(data: ReportData) -> dict[str, str]:
    return {f.path: f.ref for f in data.files.values()}


def sealed_annex(st: Styles, annex_sha256: str, file_count: int) -> list[Flowable]:
    """Section 11: the sealed annex is a separate file; only its hash appears here."""
    L = st.labels
    out: list[Flowable] = [Heading("11. " + L("別紙（非開示）", "Sealed Annex"), st.h1, 0)]
    out += body(
        st,
        f"ファイル参照番号（FILE-0001〜、計{file_count}件）とパス・名称・ハッシュ値の対応表は、秘密保持命令・"
        "秘匿決定での取扱いのため別ファイル（annex-sealed.pdf）とした（[S1]）。本文には営業秘密の内容を記載しない。",
        f"The table linking file references (FILE-0001 onwards, {file_count} in all) to paths, "
        "names and hashes is a separate file (annex-sealed.pdf) for protective-order or "
        "秘匿決定 handling ([S1]). The body reproduces no trade-secret content.",
    )
    out.append(para(f"annex-sealed.pdf SHA-256: {annex_sha256}", st.mono))
    out.append(PageBreak())
    return out


def verification(st: Styles, data: ReportData) -> list[Flowable]:
    """Appendix F: exact commands to verify the package, timeline, annex and signature."""
    L, head = st.labels, data.head
    out: list[Flowable] = [
        Heading(L("付録 独立検証の手順", "Appendix: Verifying independently"), st.h1, 0)
    ]
    out += body(
        st,
        "以下のコマンドは本ツールを信頼せずに実行できる"
        "（OpenSSL、GNU coreutils、Python標準ライブラリ）。"
        "信頼の起点（署名者・TSAのルート証明書）はパッケージの外から入手すること。",
        "These commands need no trust in this tool (OpenSSL, GNU coreutils, the Python standard "
        "library). Obtain trust anchors (signer and TSA root certificates) from outside "
        "the package.",
    )
    for title, code in verification_steps(L, head):
        out.append(KeepTogether([para(title, st.h2), Preformatted(code, st.mono)]))
    out.append(PageBreak())
    return out


def verification_steps(L: Labels, head: TimelineHead) -> list[tuple[str, str]]:
    """(title, commands) printed in the verification appendix, to run inside the unpacked
    evidence package folder."""
    return [
        (
            "1. "
            + L("パッケージの署名・時刻印・ハッシュ", "Package signature, time stamp, hashes"),
            "# one signature file per signer: signatures/<signer>.p7s (X.509, CAdES)\n"
            "openssl cms -verify -cades -binary -inform DER -in signatures/<signer>.p7s \\\n"
            "  -content tagmanifest-sha256.txt -CAfile signer-root.pem -no-CApath -no-CAstore \\\n"
            "  -out /dev/null   # -no-CA*: the system's CAs must not vouch (OpenSSL 3)\n"
            "# or signatures/<signer>.ed25519.sig with the key received out of band\n"
            "openssl pkeyutl -verify -pubin -inkey signer.pub -rawin \\\n"
            "  -in tagmanifest-sha256.txt -sigfile signatures/<signer>.ed25519.sig\n"
            "openssl ts -verify -data tagmanifest-sha256.txt \\\n"
            "  -in signatures/tagmanifest-sha256.txt.tsr -CAfile tsa-root.pem\n"
            "sha256sum --strict -c tagmanifest-sha256.txt && "
            "sha256sum --strict -c manifest-sha256.txt\n"
            "# completeness (no file missing or extra) and all of the above in one step:\n"
            "evidencekit verify . --trust signer-root.pem --tsa-root tsa-root.pem",
        ),
        (
            "2. " + L("タイムラインファイル", "Timeline file"),
            f"sha256sum metadata/timeline.jsonl\n#   expect {head.timeline_sha256}\n"
            "evidencekit timeline verify metadata/timeline.jsonl --head metadata/head.json",
        ),
        (
            "3. "
            + L("Merkle木ヘッドの再計算（RFC 9162）", "Recompute the Merkle tree head (RFC 9162)"),
            MERKLE_SCRIPT.format(path="metadata/timeline.jsonl")
            + f"\n#   expect {head.merkle_root}",
        ),
        (
            "4. " + L("個別イベントの包含証明", "Inclusion proof of one event"),
            "evidencekit prove . <EVENT-ID> -o proof.json\n"
            "evidencekit verify-proof proof.json --trust signer-root.pem",
        ),
        (
            "5. " + L("報告書のPDF署名と別紙", "Report signature and sealed annex"),
            "pyhanko sign validate --pretty-print --trust-replace --trust signer-root.pem "
            "metadata/report/report.pdf   # pyhanko-cli\n"
            "sha256sum metadata/report/annex-sealed.pdf   # compare with sections 4 and 11",
        ),
    ]


MERKLE_SCRIPT = """python3 - <<'PY'
import hashlib
def h(b): return hashlib.sha256(b).digest()
def root(leaves):  # RFC 9162 MTH, iterative: merge equal-size subtrees, then fold right
    stack = []
    for leaf in leaves:
        node, size = leaf, 1
        while stack and stack[-1][1] == size:
            node, size = h(b"\\x01" + stack.pop()[0] + node), size * 2
        stack.append((node, size))
    node = stack.pop()[0]
    while stack:
        node = h(b"\\x01" + stack.pop()[0] + node)
    return node.hex()
leaves = []
for line in open("{path}", "rb"):
    line = line.rstrip(b"\\n")
    event = line[len(b'{{"event":'):line.rindex(b',"prev":')]
    leaves.append(h(b"\\x00" + event))
print(root(leaves))
PY"""
