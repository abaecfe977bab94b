"""Messages to hand to a transport directly, each to an address of its own."""

from uuid import uuid4

from actors.domain.events import Topic
from actors.domain.messages import Message
from actors.domain.preferences import Channel
from tests.unit.notification_events import phone


def email(recipient: str | None = None) -> Message:
    return Message(
        event_id=uuid4(),
        event_type=Topic.BUDGET_EXCEEDED,
        user_id=uuid4(),
        channel=Channel.EMAIL,
        recipient=recipient or f"ann-{uuid4().hex[:8]}@example.com",
        subject="Budget exceeded: groceries, November",
        text="Hello Ann,\n\nspent 512.30 of 450.00\n",
        html="<p>Hello Ann,</p><p>spent 512.30 of 450.00</p>",
    )


def sms(recipient: str | None = None) -> Message:
    return Message(
        event_id=uuid4(),
        event_type=Topic.GOAL_ACHIEVED,
        user_id=uuid4(),
        channel=Channel.SMS,
        recipient=recipient or phone(),
        subject="Goal reached: Lisbon",
        text="ledgerflow: goal reached! Lisbon: saved 1,500.00 of 1,500.00.",
        html=None,
    )
