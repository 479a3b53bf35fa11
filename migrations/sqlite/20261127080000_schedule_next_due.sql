-- The scheduler's next look at a recipe: the next due time it computed (ms, on the scheduler's
-- clock). A tick reads only recipes whose time has come (or not yet computed: NULL, as after
-- an edit), so a thousand quiet schedules cost one index probe, and the scheduler can sleep
-- exactly until the earliest one instead of polling every second.
ALTER TABLE recipes ADD COLUMN next_due_at BIGINT;
CREATE INDEX recipes_next_due ON recipes(next_due_at) WHERE scheduled = 1 AND enabled = 1;
