"""Hypothesis settings for the whole suite, in one place.

The default profile keeps the suite fast on a laptop; ``HYPOTHESIS_PROFILE=thorough pytest``
draws eight times as many examples per property (for CI or before a release).
"""
import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("neurenix", max_examples=25, **_COMMON)
settings.register_profile("thorough", max_examples=200, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "neurenix"))
