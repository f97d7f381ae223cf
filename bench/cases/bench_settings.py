"""The product's settings plus one bench-only URL: the baseline view for intake."""

from sanzhang.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
