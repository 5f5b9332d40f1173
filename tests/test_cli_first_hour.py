"""What README.md promises a new user of the command line: every command takes ``--json``
(the root option or its own) and then prints JSON a script can read."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import evidencekit as ek
from cli.main import cli
from evidencekit.errors import EvidenceKitError

REPO = Path(__file__).resolve().parents[1]

OPLOG = (
    "日時,ユーザー名,PC名,操作,ファイル名,送信先,ドライブ種別,サイズ\r\n"
    "2025/03/08 10:15:00,tanaka,PC-D012,印刷,C:\\設計\\図面A.dwg,,,\r\n"
    "2025/03/08 10:16:00,tanaka,PC-D012,印刷,C:\\設計\\図面B.dwg,,,\r\n"
)


def _commands(group: click.Group, ctx: click.Context, name: str) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for sub in group.list_commands(ctx):
        command = group.get_command(ctx, sub)
        assert command is not None
        if isinstance(command, click.Group):
            found += _commands(command, ctx, f"{name} {sub}")
        if not isinstance(command, click.Group) or command.invoke_without_command:
            found.append((f"{name} {sub}", command))
    return found


def test_every_command_has_a_json_option() -> None:
    commands = _commands(cli, click.Context(cli), "evidencekit")
    assert len(commands) > 20
    missing = [n for n, c in commands if not any("--json" in p.opts for p in c.params)]
    assert missing == []


def test_prove_commands_print_json(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "oplog.csv").write_bytes(OPLOG.encode("cp932"))
    case = ek.new_case(tmp_path / "case", "EK-J-1")
    ek.ingest(case, evidence / "oplog.csv")
    head = ek.seal(case)
    package = ek.package(case, tmp_path / "out" / "EK-J-1-001", archive=False)
    lines = (case.timeline_dir(head.version) / "timeline.jsonl").read_text("utf-8").splitlines()
    last = json.loads(lines[-1])
    event_id = last["event"]["id"]

    proof_file = tmp_path / "t.proof.json"
    args = ["--json", "timeline", "prove", event_id, "--case", str(case.root)]
    args += ["-o", str(proof_file)]
    run = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data == {
        "event_id": event_id,
        "leaf_index": last["seq"],
        "file": str(proof_file),
        "tree_size": len(lines),
    }
    assert json.loads(proof_file.read_text("utf-8"))["leaf_index"] == last["seq"]

    bundle = tmp_path / "p.proof.json"
    args = ["prove", str(package.path), event_id, "-o", str(bundle), "--json"]
    run = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data == {"event_id": event_id, "leaf_index": last["seq"], "file": str(bundle)}
    assert bundle.is_file()


def test_a_missing_passphrase_in_a_script_is_a_clear_usage_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCEKIT_KEY_PASSPHRASE"}
    run = subprocess.run(
        [sys.executable, "-m", "cli.main", "keys", "generate", str(tmp_path / "k")],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert "Error: no passphrase: set EVIDENCEKIT_KEY_PASSPHRASE or type it at the prompt" in (
        run.stderr
    )
    assert "Aborted" not in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_verify_with_case_records_which_package_and_trust(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "oplog.csv").write_bytes(OPLOG.encode("cp932"))
    case = ek.new_case(tmp_path / "case", "EK-J-2")
    ek.ingest(case, evidence / "oplog.csv")
    ek.seal(case)
    package = ek.package(case, tmp_path / "out" / "EK-J-2-001")
    assert package.archive is not None
    for target, name, hashed in (
        (package.archive, package.archive.name, package.archive),
        (package.path, f"{package.path.name}/tagmanifest-sha256.txt", None),
    ):
        args = ["verify", str(target), "--case", str(case.root), "--trust", "sha256:" + "0" * 64]
        run = CliRunner().invoke(cli, args)
        assert run.exit_code == 2  # unsigned: the signature checks fail
        entry = case.custody.entries()[-1]
        assert entry.action == "verification" and entry.details["passed"] is False
        hashed = hashed or package.path / "tagmanifest-sha256.txt"
        assert entry.evidence == {name: hashlib.sha256(hashed.read_bytes()).hexdigest()}
        assert entry.details["trust"] == ["sha256:" + "0" * 64]


def test_custody_show_names_the_damaged_log(tmp_path: Path) -> None:
    case = ek.new_case(tmp_path / "case", "EK-J-3", examiner="山田 太郎")
    case.custody.append("note", "a first note")
    log = case.custody.path
    lines = log.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b"a first note", b"a later note")
    log.write_bytes(b"".join(lines))
    run = CliRunner().invoke(cli, ["custody", "show", "--case", str(case.root)])
    assert isinstance(run.exception, EvidenceKitError)
    assert str(run.exception) == (
        f"custody log {log} is damaged: line 2: line hash does not match its content "
        "(bytes changed)"
    )


SETUPAPI_XP = (
    "[SetupAPI Log]\r\n\r\n[2008/03/19 10:40:05 1024.3 Driver Install]\r\n"
    '#I121 Device install of "USBSTOR\\DISK&VEN_X&PROD_Y&REV_1\\123456&0" finished.\r\n'
)


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_unknown_zone_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "setupapi.log").write_bytes(SETUPAPI_XP.encode("cp932"))
    refused = _main("case", "init", str(tmp_path / "bad"), "--id", "Z-1", "--tz", "Asia/Tokio")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "unknown time zone 'Asia/Tokio'" in refused.stderr
    assert not (tmp_path / "bad").exists()
    case = ek.new_case(tmp_path / "case", "Z-2")
    run = _main("ingest", "artifact", str(evidence / "setupapi.log"), "--case", str(case.root),
                "--tz", "Asia/Tokio")  # fmt: skip
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "unknown time zone 'Asia/Tokio'" in run.stderr
    assert case.store.batches() == []
    with pytest.raises(EvidenceKitError, match="unknown time zone 'Asia/Tokio'"):
        ek.ingest(case, evidence / "setupapi.log", time_zone="Asia/Tokio")
    with pytest.raises(EvidenceKitError, match="unknown time zone 'Europe/Paris2'"):
        ek.new_case(tmp_path / "other", "Z-3", time_zone="Europe/Paris2")
    assert case.store.batches() == [] and not (tmp_path / "other").exists()


def test_certificate_fingerprint_output_says_which_one_trust_takes(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Examiner")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "examiner.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    run = CliRunner().invoke(cli, ["keys", "fingerprint", str(pem)], catch_exceptions=False)
    assert run.exit_code == 0
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert f"key: sha256:{hashlib.sha256(spki).hexdigest()}" in run.output
    assert "give counsel the key fingerprint" in run.output


def test_tz_on_a_utc_export_says_it_is_not_applied(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    sample = REPO / "examples" / "sample-case" / "sources" / "m365-audit.csv"
    shutil.copy(sample, evidence)
    case = ek.new_case(tmp_path / "case", "EK-J-4")
    args = ["ingest", "log", str(evidence / "m365-audit.csv"), "--case", str(case.root)]
    run = CliRunner().invoke(cli, [*args, "--tz", "America/New_York"], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    assert "note: m365_ual records UTC by definition; --tz America/New_York is not applied" in (
        run.output
    )
    (source,) = case.store.sources()
    assert source.time_zone == "UTC"
