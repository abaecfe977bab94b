"""Notification events committed through the real outbox as a producer would, and the delivery
log's rows for them."""

from tortoise.transactions import in_transaction

from actors.domain.events import Event
from adapters import outbox
from adapters.models import Delivery


async def stage(*events: Event) -> None:
    """Commit the events to the outbox in one transaction; the running relay publishes them."""
    async with in_transaction() as connection:
        await outbox.stage(events, connection)


async def deliveries(event: Event) -> list[Delivery]:
    return await Delivery.filter(event_id=event.id).order_by("channel")
