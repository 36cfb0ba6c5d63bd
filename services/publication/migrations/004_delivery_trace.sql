-- The trace context of the event that planned a delivery (the CloudEvents distributed-tracing
-- extension, decision 36): the worker's attempts continue that trace, however much later they run.
ALTER TABLE __SCHEMA__.deliveries ADD COLUMN IF NOT EXISTS traceparent text;
ALTER TABLE __SCHEMA__.deliveries ADD COLUMN IF NOT EXISTS tracestate text;
