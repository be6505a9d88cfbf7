"""Pure tests of how many requests may render a certificate at once."""

from ..tools.render_slots import request_render_slots
from .tools_case import ToolsCase, parametrize


class TestRenderSlots(ToolsCase):
    """One HTTP worker always stays free to serve wkhtmltopdf's CSS; threads are not limited."""

    @parametrize(
        ("workers", "expected"),
        [(0, None), (None, None), (1, 0), (2, 1), (4, 3)],
    )
    def test_request_render_slots(self, workers, expected):
        assert request_render_slots(workers) == expected
