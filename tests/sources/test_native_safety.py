"""Safety of the native libtsk core (``_tskcore``) against misuse and hostile input.

Each case that could crash the interpreter runs in a child process, so a crash (a
segmentation fault, a hang) fails the test instead of ending the test run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evidencekit.sources import native
from tests.sources.conftest import Built, need_tools, run, sha256
from tests.sources.test_native_core import _both, assert_same

pytestmark = pytest.mark.skipif(
    not native.AVAILABLE, reason="native core not built (needs libtsk-dev and a C compiler)"
)
_ROOT = Path(__file__).resolve().parents[2]
_PRELUDE = "import sys\nfrom evidencekit.sources import _tskcore as t\n"


def _child(code: str, *args: str, timeout: float = 60) -> str:
    """Run ``code`` (after the prelude) in a fresh interpreter; its stdout, or fail."""
    child = subprocess.run(
        [sys.executable, "-c", _PRELUDE + textwrap.dedent(code), *args],
        capture_output=True, text=True, cwd=_ROOT, timeout=timeout,
    )  # fmt: skip
    assert child.returncode == 0, f"child exited with {child.returncode}: {child.stderr[-2000:]}"
    return child.stdout


def test_objects_never_initialised_raise_instead_of_crashing() -> None:
    out = _child("""
        bare = t.Image.__new__(t.Image)
        calls = [lambda: bare.size, lambda: bare.itype, lambda: bare.read(0, 1),
                 lambda: bare.hash_media(4096), lambda: t.FileSystem(bare, 0)]
        fs = t.FileSystem.__new__(t.FileSystem)
        calls += [lambda: fs.ftype, lambda: fs.root_inum, lambda: fs.list_dir(2),
                  lambda: fs.read(2, 0, 1), lambda: fs.hash_file(2, 1, 1),
                  lambda: fs.hash_files([(2, 1)], 1)]
        for call in calls:
            try:
                call()
            except ValueError as exc:
                print(exc)
        del fs, bare
    """)
    assert out.splitlines() == ["Image is not open"] * 5 + ["FileSystem is not open"] * 6


def test_a_second_init_is_refused_and_open_handles_keep_working(ext4_image: Built) -> None:
    """A second ``__init__`` used to close the TSK image a FileSystem still read from."""
    out = _child(
        """
        image = t.Image([sys.argv[1]])
        fs = t.FileSystem(image, 0)
        before = fs.list_dir(fs.root_inum)
        for again in (lambda: image.__init__([sys.argv[1]]), lambda: fs.__init__(image, 0)):
            try:
                again()
            except TypeError as exc:
                print(exc)
        print(fs.list_dir(fs.root_inum) == before, len(before) > 3)
        print(image.read(1080, 2).hex())
        """,
        str(ext4_image.path),
    )
    assert out.splitlines() == [
        "Image is already open",
        "FileSystem is already open",
        "True True",
        "53ef",  # the ext4 superblock magic, read through the still-open image
    ]


def test_a_listing_read_again_while_it_makes_an_entry_is_refused(ext4_image: Built) -> None:
    """Code run while an entry is made (here a collection's callback) used to be able to
    read the same listing to its end, which freed the record being made (use after free,
    seen under AddressSanitizer); now that inner read is a RuntimeError."""
    out = _child(
        """
        import gc
        from evidencekit.sources import walk  # registers walk.Entry with the core
        fs = t.FileSystem(t.Image([sys.argv[1]]), 0)
        whole = fs.list_dir(fs.root_inum, "ns")
        listing = fs.iter_dir(fs.root_inum, "ns", object(), "")
        first = next(listing)
        seen = []
        def drain(phase, info):
            if phase == "start":
                gc.callbacks.remove(drain)
                try:
                    seen.extend(listing)
                except RuntimeError as exc:
                    print(exc)
        gc.collect()
        gc.callbacks.append(drain)
        gc.set_threshold(1)
        second = next(listing)
        gc.set_threshold(700)
        rest = [second, *listing]
        names = [e[0] if isinstance(e, tuple) else e.name for e in [first, *rest]]
        print(len(whole) > 2, seen, names == [r[0] for r in whole])
        """,
        str(ext4_image.path),
    )
    assert out.splitlines() == ["Listing is already being read", "True [] True"]


def test_media_hash_without_threads_digests_on_the_calling_thread(ext4_image: Built) -> None:
    """With no room for a thread stack, pthread_create fails: the digests used to wait
    forever for workers that never started (and joined unset thread handles)."""
    out = _child(
        """
        import hashlib, resource, threading
        image = t.Image([sys.argv[1]])
        status = open("/proc/self/status").read().split("VmSize:")[1]
        vm = int(status.split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (vm + (4 << 20), resource.RLIM_INFINITY))
        try:
            threading.Thread(target=print).start()
        except RuntimeError as exc:
            print("no thread:", exc)
        got = image.hash_media(4096)
        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2)
        data = open(sys.argv[1], "rb").read()
        print(got == (len(data), hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(),
                      hashlib.sha256(data).hexdigest(), None, None))
        """,
        str(ext4_image.path),
        timeout=30,
    )
    assert out.splitlines() == ["no thread: can't start new thread", "True"]


def test_hash_files_reads_a_copy_of_a_list_changed_while_it_is_read(ext4_image: Built) -> None:
    """A size whose ``__index__`` empties the list: items were read by position from
    the list's freed storage (use after free)."""
    out = _child(
        """
        fs = t.FileSystem(t.Image([sys.argv[1]]), 0)

        class Shrinks:
            def __index__(self):
                items.clear()
                return 0

        items = [(2, Shrinks())] + [(2, 0)] * 1000
        got = fs.hash_files(items, 16)
        print(len(got), items, {r[0] for r in got}, {r[5] for r in got})
        """,
        str(ext4_image.path),
    )
    assert out.split() == ["1001", "[]", "{0}", "{None}"]


def test_image_names_are_the_os_bytes(ext4_image: Built, tmp_path: Path) -> None:
    """A Shift_JIS file name (not UTF-8: os.fsdecode keeps its bytes as surrogates) opens;
    a name with an embedded NUL is refused (it opened the name cut at the NUL)."""
    sjis = tmp_path / os.fsdecode("証拠.img".encode("cp932"))
    shutil.copy(ext4_image.path, sjis)
    image = native._tskcore.Image([str(sjis)])
    assert image.read(1080, 2) == ext4_image.path.read_bytes()[1080:1082] == b"\x53\xef"
    with pytest.raises(ValueError, match="embedded null"):
        native._tskcore.Image([str(ext4_image.path) + "\0.E01"])


def test_head_memory_follows_the_bytes_read_not_the_size_claimed(ext4_image: Built) -> None:
    """A size from hostile metadata (2**40 here) with a large ``keep``: the head was
    allocated up front at min(keep, size) for every file of a batch (64 x 256 MiB under
    a 1 GiB address-space limit was refused as out of memory)."""
    out = _child(
        """
        import resource
        fs = t.FileSystem(t.Image([sys.argv[1]]), 0)
        names = {r[0]: r for r in fs.list_dir(fs.root_inum)}
        inode, real = names["secret.txt"][1], names["secret.txt"][5][2]
        status = open("/proc/self/status").read().split("VmSize:")[1]
        vm = int(status.split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (vm + (1 << 30), resource.RLIM_INFINITY))
        batch = fs.hash_files([(inode, 1 << 40)] * 64, 256 << 20)
        one = fs.hash_file(inode, 1 << 40, 256 << 20)
        whole = fs.hash_file(inode, real, 256 << 20)
        print(len(batch), {(r[0], r[4], r[6]) for r in batch} == {(one[0], one[4], one[6])})
        print(one[0], one[1], one[5] is not None, one[6], whole[4].hex(), whole[3])
        """,
        str(ext4_image.path),
    )
    data = ext4_image.files["secret.txt"]
    assert out.split() == [
        "64", "True",
        str(len(data)), "None", "True", str(len(data)), data.hex(), sha256(data),
    ]  # fmt: skip


def test_negative_size_from_an_inode_is_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ext4 inode whose 64-bit size has the top bit set: libtsk reports a negative
    size. The native read refused it with ValueError, which ended the whole ingest."""
    need_tools("mkfs.ext4", "debugfs")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_bytes(b"hello negative\n")
    (src / "b.txt").write_bytes(b"other\n")
    image = tmp_path / "evidence" / "neg.img"
    image.parent.mkdir()
    run("mkfs.ext4", "-q", "-F", "-d", src, image, "4M")
    run("debugfs", "-w", "-R", "sif /a.txt size 0x8000000000000010", image)
    reference, ours = _both(image, tmp_path, monkeypatch)
    assert_same(reference, ours)
    sizes = {r["path"]: r.get("size") for r in ours.inventory}
    assert sizes["a.txt"] == 0x10 - (1 << 63) and sizes["b.txt"] == 6
    assert ours.entry("b.txt")["sha256"] == sha256(b"other\n")


def test_size_beyond_the_media_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An inode claiming 4 TiB on a 4 MiB image would have either path read zeros for
    hours: it is stated as an issue and left unhashed, the rest is read as usual."""
    need_tools("mkfs.ext4", "debugfs")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_bytes(b"claims to be huge\n")
    (src / "b.txt").write_bytes(b"other\n")
    image = tmp_path / "evidence" / "huge.img"
    image.parent.mkdir()
    run("mkfs.ext4", "-q", "-F", "-d", src, image, "4M")
    run("debugfs", "-w", "-R", "sif /a.txt size 0x40000000000", image)
    reference, ours = _both(image, tmp_path, monkeypatch)
    assert_same(reference, ours)
    huge = ours.entry("a.txt")
    assert huge["size"] == 1 << 42 and "sha256" not in huge
    (issue,) = [i for i in ours.issues if i["code"] == "content_size_implausible"]
    assert issue["locator"]["path"] == "a.txt", issue
    assert str(1 << 42) in issue["message"]
    assert ours.entry("b.txt")["sha256"] == sha256(b"other\n")


def test_image_file_name_in_cp932_opens_on_both_paths(
    fat_image: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An image file named in CP932 on a Linux disk (not UTF-8): pytsk3 cannot take the
    name, so the reference path reads the file itself; both give the same ingest."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/" + "押収ディスク.img".encode("cp932")
    shutil.copyfile(fat_image.path, raw)
    image = Path(os.fsdecode(raw))
    reference, ours = _both(image, tmp_path, monkeypatch)
    assert_same(reference, ours)
    assert reference.summary.source.sha256 == sha256(fat_image.path.read_bytes())
    assert ours.entry("report.txt")["sha256"] == sha256(fat_image.files["report.txt"])
