"""Rules the map's scenarios do not exercise (R08 alone, R11 after retirement, R13, R14,
R16, R18), and a conformance check over every registered rule."""

from __future__ import annotations

import pytest

from evidencekit.analysis.engine import AnalysisOptions, analyze
from evidencekit.analysis.model import AnalysisResult
from evidencekit.analysis.rules import rules
from evidencekit.model import Action
from tests.analysis.builder import Scenario
from tests.analysis.scenarios import rules_fired


@pytest.fixture(scope="module")
def misc(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    s = Scenario(tmp_path_factory.mktemp("misc"), "MISC")
    s.write(
        "ids.toml",
        '[[person]]\nperson = "m1"\naccounts = ["X\\\\m1"]\n[[person]]\n'
        'person = "m2"\naccounts = ["X\\\\m2"]\n',
    )
    s.write("assets.toml", '[[asset]]\nid = "SF-900"\npath = \'\\\\fs\\極秘\'\nmarking = "極秘"\n')
    s.hr("m1", "resignation_notice", "2025-06-02")
    s.hr("m1", "last_working_day", "2025-06-20")
    s.hr("m1", "retirement", "2025-06-30")
    s.hr("m1", "exit_pledge", "2025-06-20")
    m1 = {"domain": "X", "host": "PC-M1"}
    s.add(
        "endpoint",
        "2025-06-10 10:00",
        "modify",
        "m1",
        path="\\\\fs\\極秘\\plan.docx",
        attrs={"label_old": "Confidential\\極秘", "label_new": "General"},
        **m1,
    )
    s.add(
        "endpoint",
        "2025-06-10 10:30",
        "copy",
        "m1",
        path="\\\\fs\\極秘\\plan.docx",
        target="E:\\plan.docx",
        device={"usb_serial": "USB-M1", "drive_type": "removable"},
        **m1,
    )
    for i in range(5):
        s.add(
            "print",
            f"2025-06-11 09:{i:02d}",
            "print",
            "m1",
            path=f"\\\\fs\\極秘\\d{i}.pdf",
            attrs={"pages": 60},
            **m1,
        )
    s.add("endpoint", "2025-06-12 18:00", "log_cleared", "m1", kind="evtx.security.1102", **m1)
    s.add("fileserver", "2025-07-03 21:00", "read", "m1", path="\\\\fs\\極秘\\plan.docx", **m1)
    s.add(
        "endpoint",
        "2025-08-01 12:00",
        "execute",
        "m2",
        kind="prefetch",
        path="C:\\Program Files\\CCleaner\\CCleaner64.exe",
        domain="X",
        host="PC-M2",
    )
    case = s.seal()
    return analyze(
        case, AnalysisOptions(identities=s.files["ids.toml"], assets=s.files["assets.toml"])
    )


def test_marking_removal_before_a_copy_is_high(misc: AnalysisResult) -> None:
    r13 = next(f for f in misc.findings if f.rule == "R13")
    assert r13.severity == "high" and r13.facts["followed_by_transfer"]
    assert ("secrecy_management.defendant_awareness", "strong_indirect") in {
        (e.element, e.strength) for e in r13.elements
    }


def test_print_r16_r18_and_post_retirement(misc: AnalysisResult) -> None:
    fired = rules_fired(misc)
    assert fired["R14"] == "medium"  # 300 pages, 5 secret documents, inside the hot window
    assert fired["R18"] == "high"  # log cleared inside the window
    assert fired["R16"] == "high"  # read after the exit pledge
    assert fired["R11"] == "critical"  # read after the retirement date
    r08 = next(f for f in misc.findings if f.rule == "R08")
    assert r08.person == "m2" and r08.severity == "low"  # CCleaner alone


def test_every_registered_rule_follows_the_contract() -> None:
    actions = {a.value for a in Action}
    for rule_id, cls in rules:
        assert cls.id == rule_id and cls.name and cls.version
        assert cls.actions <= actions, rule_id
        doc = (cls.__doc__ or "").strip()
        module_doc = __import__(cls.__module__, fromlist=["x"]).__doc__ or ""
        assert doc and rule_id in module_doc, rule_id
        assert "map" in module_doc.lower() or "[S" in module_doc or "[P" in module_doc, rule_id
