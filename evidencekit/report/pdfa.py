"""PDF/A-2b identification for the report, added as an incremental update with pyHanko.

reportlab (open-source edition) embeds the TrueType subsets but writes neither XMP
metadata nor an output intent. This step adds, before any signature:

* an XMP metadata stream with ``pdfaid:part=2``, ``pdfaid:conformance=B`` and the same
  title, author, subject, creator tool, producer and dates as the Info dictionary
  (pyHanko keeps the two in step, also when it signs later);
* an ``/OutputIntents`` entry (``GTS_PDFA1``) with an sRGB ICC profile built by
  littleCMS through Pillow.

Conformance has not been checked with veraPDF (not available here); the report says
"PDF/A-2b identification" rather than claiming a validated PDF/A file.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache

from PIL import ImageCms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import (
    NS,
    DocumentMetadata,
    ExpandedName,
    XmpStructure,
    XmpValue,
)


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """An sRGB ICC profile (littleCMS built-in, via Pillow)."""
    profile: bytes = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile


def _pdfaid() -> XmpStructure:
    part = ExpandedName(ns=NS["pdfaid"], local_name="part")
    conformance = ExpandedName(ns=NS["pdfaid"], local_name="conformance")
    return XmpStructure.of((part, XmpValue("2")), (conformance, XmpValue("B")))


def _output_intent(writer: IncrementalPdfFileWriter) -> generic.IndirectObject:
    icc = generic.StreamObject(
        {generic.NameObject("/N"): generic.NumberObject(3)},  # type: ignore[no-untyped-call]
        stream_data=srgb_profile(),
    )
    intent = generic.DictionaryObject(  # type: ignore[no-untyped-call]
        {
            generic.NameObject("/Type"): generic.NameObject("/OutputIntent"),
            generic.NameObject("/S"): generic.NameObject("/GTS_PDFA1"),
            generic.NameObject("/OutputConditionIdentifier"): generic.TextStringObject("sRGB"),
            generic.NameObject("/Info"): generic.TextStringObject("sRGB IEC61966-2.1"),
            generic.NameObject("/DestOutputProfile"): writer.add_object(icc),
        }
    )
    return writer.add_object(intent)


def add_pdfa_identification(
    pdf: bytes, title: str, author: str, subject: str, when: datetime
) -> bytes:
    """Return ``pdf`` with XMP (PDF/A-2b identification) and an sRGB output intent.

    Args:
        pdf: The PDF written by reportlab.
        title: Document title (also in the Info dictionary).
        author: Author (also in the Info dictionary).
        subject: Subject (also in the Info dictionary).
        when: Creation time (as in the Info dictionary).

    Returns:
        The updated PDF (an incremental update of the input).
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = writer.trailer["/Info"]
    # entries whose XMP twins pyHanko would write differently (or not at all): drop them
    for key in ("/Trapped", "/Keywords", "/Producer"):
        if key in info:
            del info[key]
    writer.mark_update(writer.trailer.raw_get("/Info"))
    meta: DocumentMetadata = writer.document_meta
    meta.title, meta.author, meta.subject, meta.creator = title, author, subject, "evidencekit"
    meta.created = when  # the modification time is set to "now" by pyHanko when it writes
    meta.xmp_extra = [_pdfaid()]
    writer.root[generic.NameObject("/OutputIntents")] = generic.ArrayObject(
        [_output_intent(writer)]
    )
    writer.update_root()  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()
