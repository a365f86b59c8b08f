"""``ada-t5 report``: one self-contained HTML page of a predictions file (see :mod:`ada_t5.report.page`)."""

from ada_t5.report.drawings import IMAGE_SIZE, compact_svg, molecule_image, svg_document
from ada_t5.report.page import DEFAULT_SORT, PAGE_SIZE, SCORE_KEYS, build_report, escape, png_data_uri, write_report

__all__ = ["DEFAULT_SORT", "IMAGE_SIZE", "PAGE_SIZE", "SCORE_KEYS", "build_report", "compact_svg", "escape",
           "molecule_image", "png_data_uri", "svg_document", "write_report"]
