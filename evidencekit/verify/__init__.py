"""Independent verification of evidence packages and event proofs.

One entry point, :func:`evidencekit.verify.package.verify_package`, runs every check and
raises :class:`~evidencekit.verify.report.PackageVerificationError` listing all failures.
Trust anchors come only from the caller (:func:`evidencekit.verify.policy.load_anchors`);
signer policies compose (:class:`~evidencekit.verify.policy.AllOf`,
:class:`~evidencekit.verify.policy.AnyOf`, :class:`~evidencekit.verify.policy.SignedBy`) and
an empty policy fails closed. Event proofs: :mod:`evidencekit.verify.proof`.
"""
