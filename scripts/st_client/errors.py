"""What goes wrong when talking to a Streamlit server, by kind (the load report counts them)."""

from __future__ import annotations


class ProtocolError(Exception):
    """The server said something a browser would show as an error (or broke the protocol)."""

    kind = "protocol"


class Dropped(ProtocolError):
    """The websocket was closed under the session (keepalive timeout, server overloaded…)."""

    kind = "dropped"


class StepTimeout(ProtocolError):
    kind = "timeout"


class PageError(ProtocolError):
    """The page shows an exception, an error box, or lacks what the step expects."""

    kind = "page"
