"""Hypothesis settings for the whole suite, in one place."""
from hypothesis import HealthCheck, settings

settings.register_profile(
    "neurenix", deadline=None, max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("neurenix")
