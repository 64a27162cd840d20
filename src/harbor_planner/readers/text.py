"""User text made safe and numbers read as planners write them.

:func:`clean_text` removes control characters and terminal escape sequences from a cell; every
reader applies it to every text cell and header, and writers and terminal output may reuse it.
:func:`parse_coordinate_text` reads coordinates written with full-width digits, a degree sign
or a decimal comma.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = ["clean_text", "has_control", "parse_coordinate_text"]

#: ANSI/VT escape sequences: CSI (``ESC [`` or the C1 ``CSI``) with parameters and a final
#: byte; OSC (``ESC ]`` or C1 ``OSC``) up to BEL or ST; other two-character escapes; a lone ESC.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
#: C0 controls except tab and newline, DEL and the C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character that :func:`clean_text` would remove.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    bool

    """
    return _CONTROLS.search(text) is not None


def clean_text(text: str) -> str:
    r"""``text`` without control characters or escape sequences (tab and newline kept).

    ANSI/VT escape sequences (colours, cursor moves, window titles) are removed whole, then
    every remaining C0 control except tab and newline (a CR-LF becomes a newline), DEL and
    the C1 controls (U+0080-U+009F).

    Parameters
    ----------
    text
        A cell, header or message.

    Returns
    -------
    str
        The text as it should be shown; unchanged when it had no control character.

    Examples
    --------
    >>> clean_text("\x1b[31m解放碑\x1b[0m\x07")
    '解放碑'

    """
    if not has_control(text):
        return text
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def _number_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    s = unicodedata.normalize("NFKC", str(value)).strip()
    s = s.replace("°", "").replace("º", "").replace(" ", "")
    s = s.replace("\u2212", "-")  # the minus sign
    if _DECIMAL_COMMA.match(s):
        s = s.replace(",", ".")  # one comma, no dot: a decimal comma
    return s or None


def parse_coordinate_text(values: pd.Series) -> pd.Series:
    """Numbers from coordinates as written: full-width digits, ``°``, a decimal comma.

    Full-width digits and punctuation are normalised (NFKC: ``"１０６．５７"`` is 106.57), a
    degree sign is dropped and a comma is read as the decimal point when it is the only
    separator of the value (``"106,5702"``). ``inf`` and ``nan`` are read as such; callers
    treat every non-finite value as an error.

    Parameters
    ----------
    values
        Coordinates as text (or numbers).

    Returns
    -------
    pandas.Series
        Floats, NaN where not a number.

    """
    text = values.map(_number_text)
    return pd.to_numeric(text, errors="coerce").astype(float)
