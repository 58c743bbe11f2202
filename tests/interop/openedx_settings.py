"""Django settings of the Open edX services the interop tests play: the test process itself (which
produces with edx-event-bus-redis / edx-event-bus-kafka) and the consumer processes that
openedx_consumer.py runs. The smallest set under which openedx-events and both event bus packages
load; no database, as neither bus needs one.

Where the buses are (URLs, ports known only once the brokers run) comes from the environment
variable EVENTROUTER_INTEROP_SETTINGS, a JSON object of setting names to values (openedx_bus.py
builds it), so that a consumer subprocess gets exactly the settings the test built for it. The
test process, whose settings load before the brokers start, applies the same object with
django.test.override_settings instead.
"""
import json
import os

SECRET_KEY = "eventrouter-interop-tests"
USE_TZ = True
DATABASES = {}
INSTALLED_APPS = [
    "openedx_events",  # its consume_events management command, and loading every signal
    "edx_event_bus_redis",
    "edx_event_bus_kafka",
]

# Open edX names its topics "<prefix>-<topic>"; eventrouter's topic_prefix does the same.
EVENT_BUS_TOPIC_PREFIX = "dev"

# The consumers' blocking reads are re-checked this often (Redis: seconds of XREADGROUP BLOCK,
# default 60), which bounds how long a consumer takes to notice anything, errors included.
EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT = 1
EVENT_BUS_KAFKA_CONSUMER_POLL_TIMEOUT = 0.5
EVENT_BUS_REDIS_CONSUMER_POLL_FAILURE_SLEEP = 0.2
EVENT_BUS_KAFKA_CONSUMER_POLL_FAILURE_SLEEP = 0.2

# The packages' audit log lines ("Message received from Redis: ...") go to stderr, which a
# failing test shows.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
}

globals().update(json.loads(os.environ.get("EVENTROUTER_INTEROP_SETTINGS", "{}")))
