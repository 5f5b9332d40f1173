"""TSK's error texts in one form, whichever build produced them.

pytsk3 starts its messages with the binding's place (``Directory_Con: (tsk3.cpp:517) ``);
the native core does not. TSK 4.11 (Debian's libtsk) writes ``( - ntfs_dir_open_meta)``
where 4.15 (pytsk3's) writes ``(- ntfs_dir_open_meta)``. Both are brought to one form so
an image gives the same parse issues on either path.
"""

from __future__ import annotations

import re

_BINDING_PLACE = re.compile(r"^\w+: \(\w+\.cpp:\d+\) ")
_CALLER = re.compile(r"\( +- ")


def tsk_message(exc: BaseException | str) -> str:
    """The message of a TSK error without the binding's place, in the 4.15 spacing."""
    return _CALLER.sub("(- ", _BINDING_PLACE.sub("", str(exc)))
