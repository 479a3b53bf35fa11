-- A worker finds the runs of the job it claimed by job id (`run_for_job`: up to three lookups
-- per job). Without this index each lookup read every run of the workspace, so running a job
-- slowed down as the workspace's run history grew.
CREATE INDEX runs_by_job ON runs(job_id);
