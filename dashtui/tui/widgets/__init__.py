"""The console's widgets: thin wrappers that show what `views` computed."""

from __future__ import annotations

from .charts import LatencyChart, LatencyHistogram
from .endpoint_table import EndpointTable
from .header import RunHeader
from .panels import Panel, TextPanel
from .sparks import MetricSpark, SparkStrip

__all__ = [
    "EndpointTable",
    "LatencyChart",
    "LatencyHistogram",
    "MetricSpark",
    "Panel",
    "RunHeader",
    "SparkStrip",
    "TextPanel",
]
