"""Three Open edX events as the platform sends them -- XBLOCK_PUBLISHED from Studio,
COURSE_ENROLLMENT_CREATED and SESSION_LOGIN_COMPLETED from the LMS -- built with openedx-events'
own data classes and metadata, and the forms they take on the way: the JSON of their data (as
openedx-events' serializer writes it, which is what the Avro schema implies), the CloudEvent
eventrouter takes over HTTP, and the attributes a bus carries as strings.

Between them they cover nested records, optional fields both set and null, datetimes with and
without a fraction of a second, long and boolean fields, opaque keys and non-ASCII text.
"""
import json
from datetime import datetime, timezone

import attr
from opaque_keys.edx.keys import CourseKey, UsageKey
from openedx_events.content_authoring.data import XBlockData
from openedx_events.content_authoring.signals import XBLOCK_PUBLISHED
from openedx_events.data import EventsMetadata
from openedx_events.event_bus.avro.serializer import AvroSignalSerializer
from openedx_events.learning.data import CourseData, CourseEnrollmentData, UserData, UserPersonalData
from openedx_events.learning.signals import COURSE_ENROLLMENT_CREATED, SESSION_LOGIN_COMPLETED

# The CloudEvent attributes both buses carry, as eventrouter's log sink prints them.
ATTRIBUTES = ("id", "type", "source", "time", "minorversion", "sourcehost", "sourcelib")


@attr.s(frozen=True)
class Sample:
    """One event: the signal, its producer_config key field, its data (the signal's keyword
    arguments) and metadata."""

    signal = attr.ib()
    key_field = attr.ib()
    data = attr.ib()
    metadata = attr.ib()

    @property
    def event_type(self):
        return self.signal.event_type

    def data_json(self):
        """The data as JSON, written by openedx-events' own serializer (datetimes as ISO 8601,
        keys as strings, absent optional fields as null)."""
        return AvroSignalSerializer(self.signal).to_dict(self.data)

    def key(self):
        """The event's key: the value at key_field in the data."""
        value = self.data_json()
        for name in self.key_field.split("."):
            value = value[name]
        return value

    def attributes(self):
        """The CloudEvent attributes, as strings, as the buses carry them (edx-event-bus-redis and
        -kafka write the id as str(UUID), the time with isoformat(), sourcelib joined by dots)."""
        md = self.metadata
        return {"id": str(md.id), "type": md.event_type, "source": md.source, "time": md.time.isoformat(),
                "minorversion": str(md.minorversion), "sourcehost": md.sourcehost,
                "sourcelib": ".".join(map(str, md.sourcelib))}

    def cloudevent(self):
        """The event as eventrouter takes it over HTTP (CloudEvents structured mode)."""
        attributes = self.attributes()
        return {"specversion": "1.0", **attributes, "minorversion": self.metadata.minorversion,
                "datacontenttype": "application/json", "data": self.data_json()}

    def metadata_json(self):
        """The metadata as JSON, as the consumer's receiver reports it (EventsMetadata.to_json)."""
        return json.loads(self.metadata.to_json())


def _metadata(signal, service, host, when):
    # id and sourcelib as openedx-events fills them in (uuid1, its own version): a fresh id each
    # time, so no two tests see the same event.
    return EventsMetadata(event_type=signal.event_type, minorversion=signal.minor_version,
                          source=f"openedx/{service}/web", sourcehost=host, time=when)


def samples():
    """The three events, with fresh ids."""
    learner = UserData(id=58412, is_active=True,
                       pii=UserPersonalData(username="zoe_nunez", email="zoe.nunez@example.org", name="Zoë Núñez"))
    staff = UserData(id=3, is_active=True,
                     pii=UserPersonalData(username="course_staff", email="staff@example.com", name="Staff 職員"))
    course_key = CourseKey.from_string("course-v1:edX+DemoX+Demo_Course")
    usage_key = UsageKey.from_string(
        "block-v1:edX+DemoX+Demo_Course+type@vertical+block@vertical_0270f6de40fc")
    version = UsageKey.from_string(
        "block-v1:edX+DemoX+Demo_Course+branch@published-branch+version@65a1f8b5d2c7a1b2c3d4e5f6"
        "+type@vertical+block@vertical_0270f6de40fc")
    utc = timezone.utc
    return [
        Sample(
            signal=XBLOCK_PUBLISHED, key_field="xblock_info.usage_key",
            data={"xblock_info": XBlockData(usage_key=usage_key, block_type="vertical", version=version)},
            metadata=_metadata(XBLOCK_PUBLISHED, "cms", "studio-7d9f8b6c5-x2x9q",
                               datetime(2024, 3, 4, 10, 22, 31, 412345, tzinfo=utc))),
        Sample(
            signal=COURSE_ENROLLMENT_CREATED, key_field="enrollment.course.course_key",
            data={"enrollment": CourseEnrollmentData(
                user=learner,
                course=CourseData(course_key=course_key, display_name="Demonstration Course",
                                  start=datetime(2024, 1, 15, tzinfo=utc), end=None),
                mode="verified", is_active=True,
                creation_date=datetime(2024, 3, 4, 10, 23, 5, 7, tzinfo=utc),
                created_by=staff)},
            metadata=_metadata(COURSE_ENROLLMENT_CREATED, "lms", "lms-5c8d7b9f4-kq2mz",
                               datetime(2024, 3, 4, 10, 23, 5, tzinfo=utc))),
        Sample(
            signal=SESSION_LOGIN_COMPLETED, key_field="user.pii.username",
            data={"user": learner},
            metadata=_metadata(SESSION_LOGIN_COMPLETED, "lms", "lms-5c8d7b9f4-kq2mz",
                               datetime(2024, 3, 4, 10, 21, 58, 990001, tzinfo=utc))),
    ]


def by_id(records, id_of):
    """{id: record} of records, checking no id repeats."""
    out = {}
    for record in records:
        key = id_of(record)
        assert key not in out, f"event {key} delivered twice"
        out[key] = record
    return out
