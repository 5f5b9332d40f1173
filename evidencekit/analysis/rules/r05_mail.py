"""R05 freemail_selfsend — フリーメール・自分宛て・第三者宛てメール (map §3.3 R05; [S3]).

Inputs: sent mail (``action`` send; ``attributes.to`` list or text,
``attributes.attachments`` names, ``attributes.attachment_count``) and auto-forward
rules (``attributes.forward_to``). Fires when attachments (secret-set or value-class
files, or any attachment when ``mail.attachments_min`` is met) go to (a) a free,
carrier or ISP mail domain, (b) an address of the sender's own (identity map), or
(c) a watch-listed competitor. Customers under NDA (``[counterparties]``) are CI.04.
An encrypted attachment alone is not a signal (PPAP is common in Japan, [P29]).
Severity: self-send of secret-set files or competitor ``high``; otherwise ``medium``.
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
        if len(files) < self.p["mail"]["attachments_min"] and not attr(ev, "forward_to"):
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
                self._emit(ev, idx, person, rcpt, kind, files)

    def _emit(
        self, ev: dict[str, Any], idx: int, person: str, rcpt: str, kind: str, files: list[str]
    ) -> None:
        secret = [f for f in files if self.ctx.assets.match(f, None)]
        value = [f for f in files if is_value_class(self.ctx, f)]
        sev = "high" if kind == "competitor" or (kind == "self" and (secret or value)) else "medium"
        wja, wen = who(self.ctx, person)
        lja = {
            "competitor": "監視対象（競合等）",
            "self": "本人の私的アドレス",
            "freemail": "フリーメール",
        }[kind]
        elements = [("bad_faith.tori_kagai", "strong_indirect", "SIG.BF.02")]
        if kind == "self":
            elements += [
                ("crim.ryotoku", "direct", "SIG.ACT.02"),
                ("misappropriation_act.acquisition", "direct", "SIG.ACT.02"),
            ]
        else:
            elements += [
                ("misappropriation_act.disclosure", "direct", "SIG.ACT.04"),
                ("crim.use_disclose_after_ryotoku", "strong_indirect", "SIG.ACT.04"),
            ]
        self.ctx.emit(
            Draft(
                rule="R05",
                person=person,
                title_ja=f"{lja}宛てのメール送信の記録",
                title_en=f"Mail with attachments to {kind} address",
                explanation_ja=f"{wja}から{lja}（{rcpt}）宛てに添付ファイル{len(files)}件を含むメールを送信した記録がある。",
                explanation_en=f"Records show mail with {len(files)} attachment(s) sent under {wen} to {rcpt} ({kind}).",  # noqa: E501 - bilingual wording kept whole
                refs=[ref(ev, idx, "send")],
                total=1,
                elements=elements,
                strength="direct",
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
                },
                files={k for k in (file_key(f) for f in files) if k},
            )
        )
