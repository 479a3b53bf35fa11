-- What starts a recipe: manual, a cron schedule in a time zone, an interval, or a webhook
-- (JSON of schedule::Trigger). `scheduled` marks cron and interval triggers for the
-- scheduler; `scheduled_through` is the last due time already enqueued.
ALTER TABLE recipes ADD COLUMN trigger TEXT NOT NULL DEFAULT '{"kind":"manual"}';
ALTER TABLE recipes ADD COLUMN scheduled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE recipes ADD COLUMN scheduled_through BIGINT;
