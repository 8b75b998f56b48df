"""Prometheus metrics, one registry per app (tests build many apps in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from assistant.models import Answer

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Answer.timings keys worth a histogram; the rest (sub-stages) stay in the response only
STAGES = {"condense_ms": "condense", "retrieve_ms": "retrieve", "answer_ms": "answer",
          "llm_ms": "llm", "total_ms": "total"}


class Metrics:
    """Request counts and latencies by route, answer stage latencies, answer outcomes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("assistant_http_requests_total", "HTTP requests by route and "
                                "status.", ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("assistant_http_request_duration_seconds",
                                 "Time to the end of the response body.", ("method", "route"),
                                 buckets=_LATENCY, registry=self.registry)
        self.stages = Histogram("assistant_answer_stage_seconds", "Answer stages (retrieve, "
                                "answer, llm ...), from Answer.timings.", ("stage",),
                                buckets=_LATENCY, registry=self.registry)
        self.answers = Counter("assistant_answers_total", "Answers by mode and outcome.",
                               ("mode", "grounded", "degraded"), registry=self.registry)
        self.rate_limited = Counter("assistant_rate_limited_total", "Requests refused with 429.",
                                    registry=self.registry)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_answer(self, ans: Answer) -> None:
        for key, stage in STAGES.items():
            if key in ans.timings:
                self.stages.labels(stage).observe(ans.timings[key] / 1e3)
        self.answers.labels(ans.mode, str(ans.grounded).lower(),
                            str(ans.degraded).lower()).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
