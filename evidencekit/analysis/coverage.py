"""Source-coverage gates (map §4.2): which source kinds were present, and which rules
could therefore not be assessed. Missing data produces a gap, never silence."""

from __future__ import annotations

from evidencekit.analysis.model import SourceKindCoverage

# kind family -> (ja, en, event-kind prefixes, rules that depend on it)
FAMILIES: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "hr": ("人事情報", "HR dates", ("hr.",), ("R01", "R11")),
    "server_audit": (
        "サーバ側監査ログ",
        "Server-side audit (5145/4663, UAL)",
        (
            "evtx.security.5145",
            "evtx.security.4663",
            "evtx.security.4656",
            "m365.",
            "gdrive.",
            "box.",
            "pdm.",
            "db.",
            "fileserver.",
            "sharepoint.",
            "nas.",
        ),
        ("R02", "R10"),
    ),
    "endpoint": (
        "端末イメージ・EDR",
        "Endpoint image or EDR",
        (
            "ntfs.",
            "fs.",
            "lnk",
            "prefetch",
            "recyclebin",
            "recycle_bin",
            "registry.",
            "sysmon.",
            "evtx.security.4688",
            "evtx.system.",
            "evtx.partition",
            "evtx.kernel-pnp",
            "shellbag",
            "jumplist",
            "amcache",
            "shimcache",
            "srum",
            "setupapi",
            "usb.",
            "endpoint.",
        ),
        ("R03", "R06", "R07", "R08", "R13", "R17", "R18"),
    ),
    "proxy": ("プロキシ・CASB", "Proxy/CASB", ("proxy.", "casb.", "web.", "browser."), ("R04",)),
    "mail": (
        "メール送受信記録",
        "Mail trace",
        ("mail.", "exchange.", "messagetrace.", "pst.", "calendar."),
        ("R05", "R15"),
    ),
    "dlp": ("DLP", "DLP", ("dlp.",), ("R12",)),
    "entry": (
        "勤怠・入退室記録",
        "Attendance / entry logs",
        ("badge.", "entry.", "attendance.", "vpn."),
        ("R09", "E06"),
    ),
    "print": ("印刷ログ", "Print logs", ("print.", "evtx.printservice"), ("R14",)),
}


def family_of(kind: str) -> str | None:
    """The source family an event kind belongs to (first matching prefix)."""
    k = kind.lower()
    for name, (_, _, prefixes, _) in FAMILIES.items():
        if k.startswith(prefixes):
            return name
    return None


def summarise(
    kinds: dict[str, int], hr_supplied: bool, extra: dict[str, int] | None = None
) -> tuple[SourceKindCoverage, ...]:
    """Coverage per family from event-kind counts (HR may also come from a file)."""
    counts = dict.fromkeys(FAMILIES, 0)
    for kind, n in kinds.items():
        fam = family_of(kind)
        if fam is not None:
            counts[fam] += n
    for fam, n in (extra or {}).items():
        counts[fam] = counts.get(fam, 0) + n
    out = []
    for fam, (ja, en, _, rules) in FAMILIES.items():
        available = counts[fam] > 0 or (fam == "hr" and hr_supplied)
        out.append(
            SourceKindCoverage(
                kind=fam,
                label_ja=ja,
                label_en=en,
                available=available,
                events=counts[fam],
                rules=rules,
            )
        )
    return tuple(out)
