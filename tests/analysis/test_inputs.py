"""Inputs: identity map, asset register, legal profiles (built in and user files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidencekit.analysis.assets import load_assets
from evidencekit.analysis.config import AnalysisError, load_parameters
from evidencekit.analysis.identities import load_identities
from evidencekit.analysis.profile import BUILTIN, load_profile


def test_identity_map_csv_resolves_accounts_sids_and_mail(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "person,display_name,accounts,sids,emails,hosts,devices,service_account,role,department\n"
        "e1,田中,SMT\\e1.tanaka;e1t,S-1-5-21-1-1001,e1@smt.example;tanaka.home@gmail.com,LT-0101,,no,engineer,設計部\n"
        "svc_backup,,CORP\\svc_backup,,,BK-01,,yes,service,\n",
        encoding="utf-8",
    )
    ids = load_identities(path)
    assert ids.resolve({"user": "e1.tanaka", "domain": "SMT"}) == "e1"
    assert ids.resolve({"user": "E1.TANAKA"}) == "e1"  # bare user name, case-insensitive
    assert ids.resolve({"sid": "S-1-5-21-1-1001"}) == "e1"
    assert ids.resolve({"email": "tanaka.home@gmail.com"}) == "e1"
    assert ids.resolve({"user": "someone"}) == "account:someone"
    assert ids.is_service("svc_backup") and not ids.is_service("e1")
    assert ids.is_service("account:svc_other")  # unmapped svc_* account
    assert ids.host_owner("lt-0101") == "e1"
    assert ids.source is not None and ids.source.records == 2 and len(ids.source.sha256) == 64


def test_identity_map_refuses_one_account_for_two_people(tmp_path: Path) -> None:
    path = tmp_path / "ids.toml"
    path.write_text(
        '[[person]]\nperson = "a"\naccounts = ["X\\\\u"]\n[[person]]\nperson = "b"\n'
        'accounts = ["X\\\\u"]\n',
        encoding="utf-8",
    )
    with pytest.raises(AnalysisError, match="mapped to a and b"):
        load_identities(path)


def test_asset_register_matches_by_hash_then_path_and_ignores_known_files(tmp_path: Path) -> None:
    path = tmp_path / "assets.toml"
    path.write_text(
        "[[asset]]\nid = \"SF-1\"\npath = '\\\\fs\\Secret'\n"
        '[[asset]]\nid = "SF-2"\nsha256 = ["' + "c" * 64 + '"]\n'
        '[known_files]\nsha256 = ["' + "d" * 64 + '"]\n[[device]]\nserial = "USB-1"\n'
        '[[destination]]\nvalue = "corp.sharepoint.com"\n',
        encoding="utf-8",
    )
    reg = load_assets(path)
    assert reg.match("\\\\FS\\secret\\a.dwg", None).id == "SF-1"  # type: ignore[union-attr]
    assert reg.match("C:\\copy\\a.dwg", "c" * 64).id == "SF-2"  # type: ignore[union-attr]
    assert reg.match("\\\\fs\\Secret\\setup.exe", "d" * 64) is None  # known software only
    assert reg.match("\\\\fs\\public\\a.dwg", None) is None
    assert reg.is_registered_device("usb-1") and not reg.is_registered_device("USB-2")
    assert reg.is_corporate_destination("corp.sharepoint.com")


def test_corporate_destinations_match_at_name_boundaries(tmp_path: Path) -> None:
    """A listed host covers itself and its sub-domains, in a URL or a UNC server too; a
    listed NAS path covers what is below it. A look-alike name is not corporate."""
    path = tmp_path / "assets.toml"
    path.write_text(
        '[[destination]]\nvalue = "contoso.sharepoint.com"\n'
        "[[destination]]\nvalue = '\\\\nas-bk01\\daily\\'\n",
        encoding="utf-8",
    )
    reg = load_assets(path)
    for corporate in (
        "CONTOSO.sharepoint.com",
        "team.contoso.sharepoint.com",
        "https://user@contoso.sharepoint.com:443/sites/x",
        "\\\\contoso.sharepoint.com@SSL\\DavWWWRoot\\x.docx",
        "\\\\nas-bk01\\daily",
        "//nas-bk01/daily/f.txt",
    ):
        assert reg.is_corporate_destination(corporate), corporate
    for other in (
        "evilcontoso.sharepoint.com",
        "contoso.sharepoint.com.evil.example",
        "https://evil.example/contoso.sharepoint.com",
        "\\\\nas-bk01\\daily2\\f.txt",
        "\\\\evil\\nas-bk01\\daily",
        "C:\\nas-bk01\\daily",
    ):
        assert not reg.is_corporate_destination(other), other


def test_asset_csv_and_errors(tmp_path: Path) -> None:
    csv = tmp_path / "assets.csv"
    csv.write_text("id,path,sha256,description\nSF-9,\\\\fs\\x,,図面\n", encoding="utf-8")
    assert load_assets(csv).assets[0].description == "図面"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,path,sha256\nSF-9,,\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="line 2"):
        load_assets(bad)


def test_builtin_profiles_carry_ids_labels_statutes_and_source_keys() -> None:
    for name in BUILTIN:
        profile = load_profile(name)
        assert profile.elements
        for e in profile.elements:
            assert e.label_ja and e.label_en and (e.statute or e.statutes) and e.source_keys, e.id
    crim = load_profile("jp_ucpa_criminal")
    ryotoku = next(e for e in crim.elements if e.id == "crim.ryotoku")
    assert ryotoku.statute_for("2024-03-31").startswith("Art. 21(1)(iii)")
    assert ryotoku.statute_for("2024-04-01") == "Art. 21(2)(i)"


def test_user_profile_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'id = "firm_x"\nversion = "1"\n[include]\nprofile = "jp_ucpa_civil"\n'
        'elements = ["usefulness"]\n[[element]]\nid = "firm.custom"\nlabel_ja = "独自要件"\n'
        'label_en = "Custom"\nstatute = "n/a"\n'
        'also = ["misappropriation_act.acquisition"]\n',
        encoding="utf-8",
    )
    profile = load_profile(str(path))
    assert [e.id for e in profile.elements] == ["usefulness", "firm.custom"]
    with pytest.raises(AnalysisError, match="unknown legal profile"):
        load_profile("no_such_profile")


def test_parameter_overrides_are_checked(tmp_path: Path) -> None:
    good = tmp_path / "p.toml"
    good.write_text("[bulk]\nfiles_per_hour_min = 150\n", encoding="utf-8")
    params = load_parameters(good)
    assert params["bulk"]["files_per_hour_min"] == 150 and params["bulk"]["db_rows_min"] == 10000
    for text in ("[bulk]\nnope = 1\n", "[bulk]\nfiles_per_hour_min = 1.5\n"):
        good.write_text(text, encoding="utf-8")
        with pytest.raises(AnalysisError):
            load_parameters(good)
