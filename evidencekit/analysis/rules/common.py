"""Helpers shared by rules: wording of times and actors, severities, counter-indicators,
file classes. Wording states facts only (「…の記録がある」 / "records show")."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from evidencekit.analysis.assets import norm_path
from evidencekit.analysis.context import Context, Ref, extension
from evidencekit.analysis.model import SEVERITY_ORDER, CounterIndicator, EvidenceRef

CI_TABLE: dict[str, tuple[str, str, int]] = {
    "CI.01": ("本人の平常時の行動と一致", "Matches the person's own baseline", -2),
    "CI.02": ("承認済みチケット・業務指示・引継ぎ", "Approved ticket, instruction or handover", -3),
    "CI.03": ("会社管理の保存先", "Corporate destination", -3),
    "CI.04": ("NDA締結済みの取引先宛て", "Recipient is a counterparty under NDA", -2),
    "CI.05": ("私的な内容のファイル", "Personal content", -3),
    "CI.06": ("退職時チェックリストでの確認", "Verified under the exit checklist", -2),
    "CI.07": ("承認済みの時間外・休日勤務", "Approved overtime or holiday work", -1),
}


def ci(
    ci_id: str, refs: list[EvidenceRef] | None = None, note: tuple[str, str] | None = None
) -> CounterIndicator:
    """A counter-indicator with its fixed label and points (map §3.4)."""
    ja, en, points = CI_TABLE[ci_id]
    return CounterIndicator(
        id=ci_id,
        label_ja=ja,
        label_en=en,
        points=points,
        evidence=tuple(refs or ()),
        note_ja=note[0] if note else None,
        note_en=note[1] if note else None,
    )


def bump(severity: str, steps: int = 1, cap: str = "high") -> str:
    """Raise a severity by ``steps`` levels, not above ``cap``."""
    i = min(SEVERITY_ORDER.index(severity) + steps, SEVERITY_ORDER.index(cap))
    return SEVERITY_ORDER[max(i, SEVERITY_ORDER.index(severity))]


def windowed(severity: str, window: str | None) -> str:
    """R01 multiplier as a severity step: hot and exit_leave raise one level (×1.5/×2.0)."""
    return bump(severity) if window in ("hot", "exit_leave") and severity != "info" else severity


def who(ctx: Context, person: str | None) -> tuple[str, str]:
    """How text names the actor: the account, unless attribution is supported (§2.1)."""
    if person is None:
        return "（不明なアカウント）", "(unknown account)"
    if person.startswith("account:"):
        name = person.removeprefix("account:")
        return f"アカウント{name}", f"account {name}"
    display = ctx.identities.display(person) or person
    return (
        f"{display}（{person}）に対応付けられたアカウント",
        f"the account(s) mapped to {display} ({person})",
    )


def jst(ctx: Context, utc_text: str | None) -> str:
    """Local wall-clock text with the holiday name, e.g. 2025-03-20(木・祝 春分の日) 14:05 JST."""
    if not utc_text:
        return "（日時不明）"
    lt = ctx.local(utc_text)
    wd = "月火水木金土日"[lt.weekday]
    tag = f"{wd}・祝 {lt.holiday}" if lt.holiday else (f"{wd}・会社休日" if lt.company_day else wd)
    minute = _local_minute(ctx, utc_text)
    return f"{lt.day}({tag}) {lt.hour:02d}:{minute:02d}"


def _local_minute(ctx: Context, utc_text: str) -> int:
    dt = datetime.strptime(utc_text[:16], "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
    return dt.astimezone(ctx.calendar.zone).minute


def span(refs: list[Ref]) -> tuple[str | None, str | None]:
    times = [r[1] for r in refs if r[1]]
    return (min(times), max(times)) if times else (None, None)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


_MARK_CACHE: dict[str, str | None] = {}
_NONE = "\0"  # cache-miss marker (never a marking word)


class _Words:
    """A marking list prepared for scanning: (word, folded word) pairs in list order, the
    ASCII ones apart, and one regex each that says whether any of them occurs."""

    __slots__ = ("ascii_any", "ascii_words", "source", "words", "words_any")

    def __init__(self, source: list[str]) -> None:
        self.source = source  # held, so the identity check below stays sound
        self.words = tuple((str(w), nfkc(str(w))) for w in source)
        self.ascii_words = tuple((w, fw) for w, fw in self.words if fw.isascii())
        self.words_any = _any_word(self.words)
        self.ascii_any = _any_word(self.ascii_words)


_STATE: list[_Words | None] = [None]


def _words(ctx: Context) -> _Words:
    """The prepared marking list; another list object clears the answers cached so far."""
    state = _STATE[0]
    source = ctx.lists["markings"]
    if state is None or state.source is not source:
        state = _STATE[0] = _Words(source)
        _MARK_CACHE.clear()
    return state


def has_marking(ctx: Context, text: str | None) -> str | None:
    """The first marking word (SIG.SM.01 dictionary) in a name or text, if any.

    The folder part is cached: paths repeat their folders far more than their names.
    """
    if not text:
        return None
    wl = _STATE[0]
    if wl is None or wl.source is not ctx.lists["markings"]:
        wl = _words(ctx)
    folder, _, name = text.rpartition("\\")
    if folder:
        found = _MARK_CACHE.get(folder, _NONE)
        if found is _NONE:
            if len(_MARK_CACHE) > 100_000:
                _MARK_CACHE.clear()
            found = _MARK_CACHE[folder] = _scan(wl, folder)
        if found:
            return found
    return _scan(wl, name)


def _scan(wl: _Words, text: str) -> str | None:
    if text.isascii():  # NFKC leaves ASCII unchanged: only the ASCII words can match
        low = text.lower()
        if wl.ascii_any.search(low) is None:  # most names carry no marking
            return None
        return next((w for w, fw in wl.ascii_words if fw in low), None)
    folded = nfkc(text)
    if wl.words_any.search(folded) is None:
        return None
    return next((w for w, fw in wl.words if fw in folded), None)


def _any_word(words: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """One regex that finds whether any folded word occurs (the list order still decides
    which word is reported)."""
    return re.compile("|".join(re.escape(fw) for _, fw in words))


def is_value_class(ctx: Context, path: str | None) -> bool:
    """SIG.US.01: CAD/EDA/source/recipe/customer/price/plan files by extension or name."""
    if not path:
        return False
    if extension(path) in ctx.lists["value_extensions"]:
        return True
    folded = nfkc(path)
    return any(nfkc(k) in folded for k in ctx.lists["value_keywords"])


def is_personal(ctx: Context, path: str | None) -> bool:
    """CI.05: photos, payslips, 源泉徴収票 and other private files."""
    if not path:
        return False
    folded = nfkc(path)
    if any(nfkc(k) in folded for k in ctx.lists["personal_keywords"]):
        return True
    return extension(path) in ctx.lists["personal_extensions"] and not is_value_class(ctx, path)


def attr(ev: dict[str, Any], key: str) -> Any:
    return (ev.get("attributes") or {}).get(key)


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().strip(">").casefold()


def host_matches(host: str, suffixes: list[str] | set[str]) -> str | None:
    """The list entry ``host`` equals or is a sub-domain of, if any."""
    h = host.casefold().rstrip(".")
    for s in suffixes:
        s = s.casefold()
        if h == s or h.endswith("." + s):
            return s
    return None


_EMPTY: set[str] = set()
_UNSET: Any = object()  # "not memoised on the event yet"


class Bucket:
    """Bounded aggregate of matched events (counts, bytes, first refs, file keys)."""

    __slots__ = (
        "assets",
        "bytes",
        "files",
        "keys",
        "max_keys",
        "max_refs",
        "personal",
        "refs",
        "secret",
        "t0",
        "t1",
        "value",
    )

    def __init__(self, max_refs: int = 8, max_keys: int = 2000) -> None:
        self.files = 0
        self.bytes = 0
        self.secret = 0
        self.value = 0
        self.personal = 0
        self.refs: list[Ref] = []
        self.keys: set[str] = _EMPTY  # replaced by a real set on first use (memory)
        self.assets: set[str] = _EMPTY
        self.t0: str | None = None
        self.t1: str | None = None
        self.max_refs = max_refs
        self.max_keys = max_keys

    def add(self, r: Ref, files: int = 1, nbytes: int = 0, key: str | None = None) -> None:
        self.files += files
        self.bytes += nbytes
        if len(self.refs) < self.max_refs:
            self.refs.append(r)
        if key and len(self.keys) < self.max_keys:
            if self.keys is _EMPTY:
                self.keys = set()
            self.keys.add(key)
        t = r[1]
        if t:
            if self.t0 is None or t < self.t0:
                self.t0 = t
            if self.t1 is None or t > self.t1:
                self.t1 = t

    def add_key(self, key: str) -> None:
        if len(self.keys) < self.max_keys:
            if self.keys is _EMPTY:
                self.keys = set()
            self.keys.add(key)

    def add_asset(self, asset_id: str) -> None:
        if self.assets is _EMPTY:
            self.assets = set()
        self.assets.add(asset_id)

    def merge(self, other: Bucket) -> None:
        self.files += other.files
        self.bytes += other.bytes
        self.secret += other.secret
        self.value += other.value
        self.personal += other.personal
        self.refs.extend(other.refs[: max(0, self.max_refs * 4 - len(self.refs))])
        self.keys = self.keys | set(sorted(other.keys)[: max(0, 2000 - len(self.keys))])
        self.assets = self.assets | other.assets
        for t in (other.t0, other.t1):
            if t:
                self.t0 = t if self.t0 is None or t < self.t0 else self.t0
                self.t1 = t if self.t1 is None or t > self.t1 else self.t1


def file_key(path: str | None) -> str | None:
    """A file key for correlation across sources when no hash is known: the base name."""
    if not path:
        return None
    return path.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1].casefold() or None


def mib(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MiB"


def size_ja(n: int) -> str:
    """Bytes of a set of files; no byte count (sizes missing from the records) is not 0."""
    return mib(n) if n else "サイズの記録なし"


def size_en(n: int) -> str:
    """English twin of :func:`size_ja`."""
    return mib(n) if n else "size not recorded"


def is_block(ev: dict[str, Any]) -> bool:
    """A DLP, device-control or proxy block (the act did not complete)."""
    attrs = ev.get("attributes")
    if attrs and (
        attrs.get("blocked") is True
        or str(attrs.get("result") or "").lower() in ("blocked", "denied", "block")
    ):
        return True
    return ev["action"] == "access_denied" and str(ev["kind"]).startswith(
        ("dlp.", "devicecontrol.")
    )


def secret_asset(ctx: Context, ev: dict[str, Any]) -> Any:
    """The asset the event's object belongs to (memoised on the event: several rules ask)."""
    hit = ev.get("_asset", _UNSET)
    if hit is _UNSET:
        hit = _object_facts(ctx, ev)[0]
    return hit


def object_marking(ctx: Context, ev: dict[str, Any]) -> str | None:
    """The marking word in the event's object path (memoised on the event)."""
    found = ev.get("_mark", _UNSET)
    if found is _UNSET:
        found = _object_facts(ctx, ev)[1]
    return found  # type: ignore[no-any-return]


def _object_facts(ctx: Context, ev: dict[str, Any]) -> tuple[Any, str | None]:
    """Asset and marking word of the event's object, both memoised on the event at once
    (most events that need one need the other).

    The usual case, a backslash path without a hash, takes both from one per-folder entry
    (:class:`_Folders`) and scans only the name; anything else asks the register and the
    marking scan as they are.
    """
    obj = ev.get("object")
    if not obj:
        ev["_asset"] = ev["_mark"] = None  # what match(None, None) and has_marking(None) say
        return None, None
    where = obj.get("path") or obj.get("url") or obj.get("name")
    sha = obj.get("sha256")
    if where and not sha and "/" not in where:
        folder, _, name = where.rpartition("\\")
        if folder:
            st = _FOLDERS[0]
            if st is None or st.assets is not ctx.assets or st.source is not ctx.lists["markings"]:
                st = _FOLDERS[0] = _Folders(ctx)
            entry = st.entries.get(folder)
            if entry is None:
                entry = st.entry(folder)
            asset = ev["_asset"] = entry[0] if not entry[1] else ctx.assets.match(where, None)
            mark = entry[2]
            if not mark:  # = entry[2] or _scan(st.words, name), ASCII names inline
                if name.isascii():
                    wl = st.words
                    low = name.lower()
                    mark = (
                        None
                        if wl.ascii_any.search(low) is None
                        else next((w for w, fw in wl.ascii_words if fw in low), None)
                    )
                else:
                    mark = _scan(st.words, name)
            ev["_mark"] = mark
            return asset, mark
    asset = ev["_asset"] = ctx.assets.match(where, sha)
    mark = ev["_mark"] = has_marking(ctx, where)
    return asset, mark


class _Folders:
    """Per folder: the asset whose path prefixes it (when no longer asset path extends the
    folder, so the name cannot change the answer) and the marking word in the folder text;
    the same answers as ``AssetRegister.match`` and :func:`has_marking`, one look-up."""

    __slots__ = ("assets", "entries", "prefixes", "source", "words")

    def __init__(self, ctx: Context) -> None:
        self.assets = ctx.assets  # held, so the identity checks of the caller stay sound
        self.words = _words(ctx)
        self.source = self.words.source
        self.prefixes = [(norm_path(a.path), a) for a in ctx.assets.assets if a.path]
        self.entries: dict[str, tuple[Any, bool, str | None]] = {}

    def entry(self, folder: str) -> tuple[Any, bool, str | None]:
        """(asset, whether a longer asset path extends the folder, folder marking)."""
        if len(self.entries) > 100_000:
            self.entries.clear()
        nf, hit, longer = norm_path(folder + "\\"), None, False
        for prefix, asset in self.prefixes:  # AssetRegister's order: the first match wins
            if len(prefix) <= len(nf):
                if nf.startswith(prefix):
                    hit = asset
                    break
            elif prefix.startswith(nf):
                longer = True
        entry = self.entries[folder] = (hit, longer, _scan(self.words, folder))
        return entry


_FOLDERS: list[_Folders | None] = [None]


def is_secret(ctx: Context, ev: dict[str, Any]) -> bool:
    """Secret-set or marked object (SIG.SM.01 / asset register)."""
    asset = ev.get("_asset", _UNSET)  # both memo keys are set together
    if asset is _UNSET:
        asset, mark = _object_facts(ctx, ev)
    else:
        mark = ev["_mark"]
    return asset is not None or mark is not None
