"""Signed evidence packages: a strict BagIt 1.0 bag, a canonical top-level manifest,
detached signatures over the tag manifest, RFC 3161 time stamps and a deterministic archive.

Public API: :func:`evidencekit.package.build.build_package` with
:class:`~evidencekit.package.build.PackageOptions`,
:func:`evidencekit.package.countersign.countersign`,
:func:`evidencekit.package.signing.load_signer` / ``generate_ed25519`` / ``key_fingerprint``,
:class:`evidencekit.package.manifest.PackageManifest`,
:func:`evidencekit.package.archive.write_archive` / ``safe_extract``. See docs/packaging.md.
"""
