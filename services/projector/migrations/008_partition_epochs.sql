-- The fence of the projector's partitions (services/projector/fencing.py): whoever is assigned a
-- partition takes its next epoch; a batch commits only while its writer still holds the latest.
CREATE TABLE IF NOT EXISTS __SCHEMA__.partition_epochs (
    consumer   text NOT NULL,
    topic      text NOT NULL,
    partition  int NOT NULL,
    epoch      bigint NOT NULL,
    owner      text NOT NULL,  -- which process took it (host, pid): for the operator's eyes
    claimed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);
