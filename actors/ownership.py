"""Which ledger shard owns which Kafka partition, and so which user's ledger: the one rule the
shards, the gateway's reads, the messaging actor and the tests follow."""

from dataclasses import dataclass
from uuid import UUID

from adapters import kafka
from adapters.config import Settings


@dataclass(frozen=True)
class Ownership:
    """Every topic has `partitions` partitions; partition p of the ledger topics belongs to
    shard p % shards, and a user's partition is the one the producer's partitioner picks for
    their key. The consumers check at start that the broker's topics have that many."""

    partitions: int
    shards: int

    @classmethod
    def of(cls, settings: Settings) -> "Ownership":
        return cls(settings.kafka_partitions, settings.ledger_shards)

    def partition_of(self, user_id: UUID) -> int:
        return kafka.partition_of(user_id, self.partitions)

    def shard_of(self, user_id: UUID) -> int:
        return self.shard_of_partition(self.partition_of(user_id))

    def shard_of_partition(self, partition: int) -> int:
        return partition % self.shards

    def partitions_of(self, shard: int) -> list[int]:
        """The partitions a shard reads, of every ledger topic."""
        return [p for p in self.every_partition() if self.shard_of_partition(p) == shard]

    def every_partition(self) -> list[int]:
        """What a consumer of a whole topic reads, such as the messaging actor."""
        return list(range(self.partitions))
