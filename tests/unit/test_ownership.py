from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from actors.ownership import Ownership

ownerships = st.builds(Ownership, partitions=st.integers(1, 64), shards=st.integers(1, 16))


@given(ownerships)
def test_every_partition_has_exactly_one_shard(ownership: Ownership) -> None:
    owned = [p for shard in range(ownership.shards) for p in ownership.partitions_of(shard)]
    assert sorted(owned) == ownership.every_partition() == list(range(ownership.partitions))


@given(ownerships, st.uuids())
def test_a_user_belongs_to_the_shard_that_reads_their_partition(
    ownership: Ownership, user: UUID
) -> None:
    partition = ownership.partition_of(user)
    assert 0 <= partition < ownership.partitions
    assert partition in ownership.partitions_of(ownership.shard_of(user))


def test_users_spread_over_every_partition() -> None:
    ownership = Ownership(partitions=8, shards=3)
    users = [UUID(int=n * 7919 + 1) for n in range(400)]
    assert {ownership.partition_of(u) for u in users} == set(range(8))
    assert {ownership.shard_of(u) for u in users} == {0, 1, 2}
