"""R05 freemail_selfsend — フリーメール・自分宛て・第三者宛てメール (map §3.3 R05; [S3]).

Inputs: sent mail (``action`` send; ``attributes.to`` list or text,
``attributes.attachments`` names, ``attributes.attachment_count``) and auto-forward
rules (``attributes.forward_to``). Fires when attachments (secret-set or value-class
files, or any attachment when ``mail.attachments_min`` is met) go to (a) a free,
carrier or ISP mail domain, (b) an address of the sender's own (identity map), or
(c) a watch-listed competitor. Customers under NDA (``[counterparties]``) are CI.04.
An encrypted attachment alone is not a signal (PPAP is common in Japan, [P29]).
Severity: self-send of secret-set files or competitor ``high``; otherwise ``medium``.

A message trace lists no attachments (the Exchange / Microsoft 365 export has no such
column): a message whose record says nothing of attachments counts when its size reaches
``mail.unlisted_attachments_bytes_min``, worded as such (attachments not listed), with
indirect strength and one step lower severity (competitor ``medium``, else ``low``).
"""

from __future__ import annotations

from typing import Any

from evidencekit.analysis.context import Draft, obj_path, ref
from evidencekit.analysis.jpcal import LocalTime
from evidencekit.analysis.rules.base import Rule, rules
from evidencekit.analysis.rules.common import (
    attr,
    domain_of,
    file_key,
    host_matches,
    is_value_class,
    mib,
    who,
)


def recipients(ev: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in ("to", "cc", "bcc", "recipients", "forward_to"):
        value = attr(ev, key)
        if isinstance(value, list):
            out.extend(str(v) for v in value)
        elif isinstance(value, str):
            out.extend(v.strip() for v in value.replace(",", ";").split(";") if v.strip())
    target = ev.get("target") or {}
    if target.get("name") and "@" in str(target["name"]):
        out.append(str(target["name"]))
    # The trace parser repeats the first recipient in target.name: one address, one finding.
    return list(dict.fromkeys(a.strip().strip("<>").casefold() for a in out))


def attachments(ev: dict[str, Any]) -> list[str]:
    value = attr(ev, "attachments")
    names = (
        [str(v.get("name") if isinstance(v, dict) else v) for v in value]
        if isinstance(value, list)
        else []
    )
    obj = ev.get("object") or {}
    # A message's own name is its subject, not a file: only a file object stands for one.
    if not names and obj.get("kind") != "message" and obj_path(ev):
        names = [str(obj_path(ev))]
    return names


def unlisted_size(ev: dict[str, Any], minimum: int) -> int | None:
    """The size of a message whose record lists no attachments at all (a message trace
    has no attachment column), when it reaches ``minimum`` bytes; else None."""
    if attr(ev, "attachments") is not None or attr(ev, "attachment_count") is not None:
        return None
    obj = ev.get("object") or {}
    size = obj.get("size")
    if obj.get("kind") != "message" or type(size) is not int or size < minimum:
        return None
    return size


_UNSET: Any = object()


@rules.register("R05")
class FreemailSelfsend(Rule):
    """Mail with attachments to free-mail, one's own address or a competitor."""

    id = "R05"
    name = "freemail_selfsend"
    actions = frozenset({"send"})
    person_only = True
    needs = ("mail",)

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._free: dict[str, Any] = {}  # domain -> free-mail list entry (or None)

    def observe(self, ev: dict[str, Any], idx: int, person: str | None, lt: LocalTime) -> None:
        if person is None:
            return
        files = attachments(ev)
        size = None  # set: attachments not listed, the message's size stands for them
        if len(files) < self.p["mail"]["attachments_min"] and not attr(ev, "forward_to"):
            size = unlisted_size(ev, self.p["mail"]["unlisted_attachments_bytes_min"])
            if size is None:
                return
        own = set(self.ctx.identities.emails_of(person))
        a = self.ctx.assets
        for rcpt in recipients(ev):
            dom = domain_of(rcpt)
            if dom in a.counterparties:
                continue
            free = self._free.get(dom, _UNSET)
            if free is _UNSET:  # the list is fixed for the run; domains repeat
                if len(self._free) > 10_000:
                    self._free.clear()
                free = self._free[dom] = host_matches(dom, self.lists["freemail"])
            kind = (
                "competitor"
                if dom in a.watch_domains or rcpt in a.watch_addresses
                else "self"
                if rcpt in own and free
                else "freemail"
                if free
                else None
            )
            if kind is not None:
                self._emit(ev, idx, person, rcpt, kind, files, size)

    def _emit(
        self,
        ev: dict[str, Any],
        idx: int,
        person: str,
        rcpt: str,
        kind: str,
        files: list[str],
        size: int | None,
    ) -> None:
        secret = [f for f in files if self.ctx.assets.match(f, None)]
        value = [f for f in files if is_value_class(self.ctx, f)]
        sev = "high" if kind == "competitor" or (kind == "self" and (secret or value)) else "medium"
        direct = "direct" if size is None else "strong_indirect"  # attachments not listed
        if size is not None:
            sev = "medium" if kind == "competitor" else "low"
        wja, wen = who(self.ctx, person)
        lja = {
            "competitor": "監視対象（競合等）",
            "self": "本人の私的アドレス",
            "freemail": "フリーメール",
        }[kind]
        elements = [("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.02")]
        if kind == "self":
            elements += [
                ("crim.ryotoku", direct, "SIG.ACT.02"),
                ("misappropriation_act.acquisition", direct, "SIG.ACT.02"),
            ]
        else:
            elements += [
                ("misappropriation_act.disclosure", direct, "SIG.ACT.04"),
                ("crim.use_disclose_after_ryotoku", "strong_indirect", "SIG.ACT.04"),
            ]
        title_ja, title_en, text_ja, text_en = _wording(kind, lja, (wja, wen), rcpt, files, size)
        self.ctx.emit(
            Draft(
                rule="R05",
                person=person,
                title_ja=title_ja,
                title_en=title_en,
                explanation_ja=text_ja,
                explanation_en=text_en,
                refs=[ref(ev, idx, "send")],
                total=1,
                elements=elements,
                strength=direct,
                severity=sev,
                t0=ev["time"],
                t1=ev["time"],
                signals=["SIG.ACT.04" if kind != "self" else "SIG.ACT.02", "SIG.BF.02"],
                indicators=["private_dest"] + (["secret_set"] if secret else []),
                facts={
                    "recipient": rcpt,
                    "recipient_kind": kind,
                    "attachments": len(files),
                    "secret_attachments": len(secret),
                    "value_attachments": len(value),
                    **({} if size is None else {"attachments_listed": False, "bytes": size}),
                },
                files={k for k in (file_key(f) for f in files) if k},
            )
        )


def _wording(
    kind: str, lja: str, who_: tuple[str, str], rcpt: str, files: list[str], size: int | None
) -> tuple[str, str, str, str]:
    """Titles and explanations (ja, en): attachments counted, or not listed (``size``)."""
    wja, wen = who_
    if size is None:
        return (
            f"{lja}宛てのメール送信の記録",
            f"Mail with attachments to {kind} address",
            f"{wja}から{lja}（{rcpt}）宛てに添付ファイル{len(files)}件を含むメールを送信した記録がある。",
            f"Records show mail with {len(files)} attachment(s) sent under {wen} to {rcpt} ({kind}).",  # noqa: E501 - bilingual wording kept whole
        )  # fmt: skip
    return (
        f"{lja}宛てのメール送信の記録（添付ファイルの記載なし）",
        f"Mail to {kind} address (attachments not listed)",
        f"{wja}から{lja}（{rcpt}）宛てに{mib(size)}のメールを送信した記録がある。この記録には添付ファイルの記載がない。",
        f"Records show a message of {mib(size)} sent under {wen} to {rcpt} ({kind}); the records do not list its attachments.",  # noqa: E501 - bilingual wording kept whole
    )
