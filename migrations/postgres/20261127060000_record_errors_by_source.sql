-- A run resolves the open errors of the records it has just written (by source id); without
-- this index that scanned all of the tenant's errors on every page.
CREATE INDEX record_errors_by_source ON record_errors(tenant_id, recipe_id, source_id);
