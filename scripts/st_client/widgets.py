"""Widgets as a browser tab keeps them: the page's elements (``Node``), the state a tab registers
for a widget the server draws (``default_state``), the state it sends when the user sets one
(``state_for``), like the frontend's WidgetStateManager."""

from __future__ import annotations

from dataclasses import dataclass

from streamlit.proto.WidgetStates_pb2 import WidgetState

from scripts.st_client.errors import ProtocolError

# Widgets that send a trigger once (no state) and elements that keep no state.
TRIGGER_KINDS = {"button", "download_button"}
NO_STATE_KINDS = {"plotly_chart", "dataframe", "deck_gl_json_chart", "vega_lite_chart"}


@dataclass
class Node:
    """One element on the page (the frontend's tree, flattened by delta path)."""

    path: tuple[int, ...]
    kind: str  # new_element type ("button", "markdown"…) or "block:<type>"
    element: object  # the element's proto (e.g. Button), or the Block proto
    fragment_id: str
    seq: int  # run sequence number that drew it (staleness)

    @property
    def widget_id(self) -> str:
        return getattr(self.element, "id", "") if not self.kind.startswith("block:") else ""

    @property
    def key(self) -> str:
        """The user key a widget id ends with (``$$ID-<hash>-<key>``), else ""."""
        wid = self.widget_id
        if not wid.startswith("$$ID-"):
            return ""
        parts = wid.split("-", 2)
        return parts[2] if len(parts) == 3 else ""

    @property
    def text(self) -> str:
        el = self.element
        for name in ("body", "label"):
            value = getattr(el, name, None)
            if isinstance(value, str) and value:
                return value
        return ""


def _has(msg, name: str) -> bool:
    """Whether an optional field is set (non-optional proto3 scalars always count as set)."""
    try:
        return msg.HasField(name)
    except ValueError:
        return True


def default_state(kind: str, el) -> WidgetState | None:
    """The widget state a browser registers for a widget drawn by the server.

    ``set_value`` (the server put a value into the widget, e.g. from ``st.session_state``)
    gives the element's value; otherwise its ``default``. None: the widget keeps no state
    (buttons send a trigger once; charts without selections send nothing)."""
    if kind in TRIGGER_KINDS or kind in NO_STATE_KINDS:
        return None
    ws = WidgetState(id=el.id)
    server_set = bool(getattr(el, "set_value", False))
    if kind in ("text_input", "text_area"):
        if server_set:
            if _has(el, "value"):
                ws.string_value = el.value
        elif _has(el, "default"):
            ws.string_value = el.default
    elif kind == "checkbox":
        ws.bool_value = el.value if server_set else el.default
    elif kind in ("radio", "selectbox"):
        if server_set:
            if _has(el, "raw_value"):
                ws.string_value = el.raw_value
        elif _has(el, "default"):
            ws.string_value = el.options[el.default]
    elif kind == "multiselect":
        values = list(el.raw_values) if server_set else [el.options[i] for i in el.default]
        ws.string_array_value.data.extend(values)
        ws.string_array_value.SetInParent()
    elif kind == "date_input":
        ws.string_array_value.SetInParent()
        ws.string_array_value.data.extend(list(el.value) if server_set else list(el.default))
    elif kind == "slider":
        ws.double_array_value.SetInParent()
        ws.double_array_value.data.extend(list(el.value) if server_set else list(el.default))
    elif kind == "button_group":
        ws.string_array_value.SetInParent()
        values = (list(el.raw_values) if server_set
                  else [el.options[i].content for i in el.default])
        ws.string_array_value.data.extend(values)
    elif kind == "file_uploader":
        ws.file_uploader_state_value.SetInParent()
    else:
        raise ProtocolError(f"widget type {kind!r} is not modelled by this client "
                            "(see default_state in scripts/st_client/widgets.py)")
    return ws


def state_for(node: Node, value) -> WidgetState:
    """The state a tab sends when the user sets ``node`` to ``value``."""
    ws = WidgetState(id=node.widget_id)
    kind = node.kind
    if kind == "date_input":
        values = value if isinstance(value, list | tuple) else [value]
        ws.string_array_value.SetInParent()
        ws.string_array_value.data.extend(
            [v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values])
    elif kind in ("text_input", "text_area", "radio", "selectbox"):
        if value is not None:
            ws.string_value = str(value)
    elif kind in ("multiselect", "button_group"):
        ws.string_array_value.SetInParent()
        ws.string_array_value.data.extend([str(v) for v in value])
    elif kind == "checkbox":
        ws.bool_value = bool(value)
    elif kind == "slider":
        values = value if isinstance(value, list | tuple) else [value]
        ws.double_array_value.SetInParent()
        ws.double_array_value.data.extend([float(v) for v in values])
    else:
        raise ProtocolError(f"setting a {kind} is not modelled by this client")
    return ws


def has_deferred(el) -> bool:
    try:
        return el.HasField("deferred_file_id") and bool(el.deferred_file_id)
    except ValueError:
        return False
