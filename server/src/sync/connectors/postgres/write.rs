//! Writing a batch: consecutive creates and upserts with the same columns go in one
//! statement (`INSERT … SELECT … FROM jsonb_to_recordset($1)`: the whole group is one bind),
//! all inside one transaction. When a value or a constraint fails, the transaction is rolled
//! back and the batch replayed row by row, each row under a savepoint, so the good rows are
//! written and each bad one gets the database's own complaint.

use std::collections::HashSet;

use serde_json::{Map, Value};
use sqlx::{Connection, PgConnection, PgPool, Row};

use super::errors::{classify, is_data_exception, is_per_record};
use super::schema::{R, T, Table};
use crate::sync::connector::{SyncError, WriteOp, WriteOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Insert,
    /// ON CONFLICT on this column (index into the table's columns).
    Upsert(usize),
    Update,
    Delete,
    Archive,
}

/// Operations executed together: a run of inserts or upserts with the same columns, or a
/// single update, delete or archive.
#[derive(Debug)]
struct Step {
    kind: Kind,
    /// Columns written, in table order.
    columns: Vec<usize>,
    /// Indexes into the batch.
    members: Vec<usize>,
}

/// Why a statement did not give one outcome per member.
enum Failure {
    Db(sqlx::Error),
    /// Fewer rows came back than went in (a trigger skipped some).
    Short,
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Db(e)
    }
}

pub(super) async fn write_batch(pool: &PgPool, table: &Table, ops: &[WriteOp]) -> Result<Vec<WriteOutcome>, SyncError> {
    if !table.writable() {
        let why =
            if table.key.is_none() { "it has no single-column primary key" } else { "INSERT or UPDATE is not granted" };
        return Err(SyncError::permanent(format!("Hitch cannot write to table {}: {why}", table.name)));
    }
    let mut outcomes: Vec<Option<WriteOutcome>> = vec![None; ops.len()];
    let steps = plan(table, ops, &mut outcomes);

    // Fast path: everything in one transaction.
    let mut tx = pool.begin().await.map_err(|e| classify(&e))?;
    let mut fast = outcomes.clone();
    let mut failed = None;
    for step in &steps {
        match run(&mut tx, table, ops, step).await {
            Ok(done) => {
                for (i, o) in step.members.iter().zip(done) {
                    if let Some(slot) = fast.get_mut(*i) {
                        *slot = Some(o);
                    }
                }
            }
            Err(f) => {
                failed = Some(f);
                break;
            }
        }
    }
    match failed {
        None => {
            tx.commit().await.map_err(|e| classify(&e))?;
            return Ok(fast.into_iter().map(finish).collect());
        }
        Some(Failure::Db(e)) if !is_per_record(&e) => return Err(classify(&e)),
        Some(_) => {
            // Rolling back on drop would also do; rolling back now frees the connection's
            // locks before the row-by-row replay waits on them.
            let _ = tx.rollback().await;
        }
    }

    // Slow path: row by row, each under a savepoint of one transaction.
    let mut tx = pool.begin().await.map_err(|e| classify(&e))?;
    for step in &steps {
        for &i in &step.members {
            let single = Step { kind: step.kind, columns: step.columns.clone(), members: vec![i] };
            let mut sp = Connection::begin(&mut *tx).await.map_err(|e| classify(&e))?;
            let outcome = match run(&mut sp, table, ops, &single).await {
                Ok(mut done) => {
                    sp.commit().await.map_err(|e| classify(&e))?;
                    done.pop().unwrap_or_else(|| WriteOutcome::Failed(skipped()))
                }
                Err(Failure::Short) => {
                    sp.commit().await.map_err(|e| classify(&e))?;
                    WriteOutcome::Failed(skipped())
                }
                Err(Failure::Db(e)) if is_per_record(&e) => {
                    sp.rollback().await.map_err(|e| classify(&e))?;
                    WriteOutcome::Failed(record_error(&mut tx, table, ops.get(i), &e).await)
                }
                Err(Failure::Db(e)) => return Err(classify(&e)),
            };
            if let Some(slot) = outcomes.get_mut(i) {
                *slot = Some(outcome);
            }
        }
    }
    tx.commit().await.map_err(|e| classify(&e))?;
    Ok(outcomes.into_iter().map(finish).collect())
}

fn finish(o: Option<WriteOutcome>) -> WriteOutcome {
    o.unwrap_or_else(|| WriteOutcome::Failed(SyncError::permanent("the operation was not carried out")))
}

fn skipped() -> SyncError {
    SyncError::permanent("the database did not write the row (a trigger may have skipped it)")
}

fn op_fields(op: &WriteOp) -> Option<&Map<String, Value>> {
    match op {
        WriteOp::Create { fields, .. } | WriteOp::Update { fields, .. } | WriteOp::Upsert { fields, .. } => {
            Some(fields)
        }
        WriteOp::Delete { .. } | WriteOp::Archive { .. } => None,
    }
}

/// The columns a record writes, in table order; a complaint per field the table cannot take.
fn columns_of(table: &Table, fields: &Map<String, Value>) -> Result<Vec<usize>, SyncError> {
    let mut bad = Vec::new();
    for name in fields.keys() {
        match table.column(name) {
            None => bad.push((name.clone(), format!("table {} has no column {name}", table.name))),
            Some(c) if c.system_set => {
                bad.push((name.clone(), format!("{name} is set by the database and cannot be written")))
            }
            Some(_) => {}
        }
    }
    if !bad.is_empty() {
        let message = bad.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join("; ");
        return Err(SyncError::Permanent { message, fields: bad });
    }
    Ok(table.columns.iter().enumerate().filter(|(_, c)| fields.contains_key(&c.name)).map(|(i, _)| i).collect())
}

/// Groups the batch into steps; operations that cannot be valid get their outcome now.
fn plan(table: &Table, ops: &[WriteOp], outcomes: &mut [Option<WriteOutcome>]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    // Key values in the current upsert group: one key twice in one INSERT … ON CONFLICT is
    // an error ("cannot affect row a second time"), so a repeat starts a new group.
    let mut seen: HashSet<String> = HashSet::new();
    for (i, op) in ops.iter().enumerate() {
        let planned = (|| {
            let columns = op_fields(op).map(|f| columns_of(table, f)).transpose()?.unwrap_or_default();
            let kind = match op {
                WriteOp::Create { .. } => Kind::Insert,
                WriteOp::Update { .. } => Kind::Update,
                WriteOp::Delete { .. } => Kind::Delete,
                WriteOp::Archive { .. } => {
                    if table.soft_delete.is_none() {
                        return Err(SyncError::permanent("this table has no deleted_at column to archive with"));
                    }
                    Kind::Archive
                }
                WriteOp::Upsert { key, fields } => {
                    let Some(k) =
                        table.unique.iter().copied().find(|&u| table.columns.get(u).is_some_and(|c| &c.name == key))
                    else {
                        return Err(SyncError::Permanent {
                            message: format!(
                                "{key} has no unique index in table {}, so it cannot key an upsert",
                                table.name
                            ),
                            fields: vec![(key.clone(), "not a unique column".to_owned())],
                        });
                    };
                    if fields.get(key).is_none_or(Value::is_null) {
                        return Err(SyncError::Permanent {
                            message: format!("the record has no value for the key {key}"),
                            fields: vec![(key.clone(), "a value is required".to_owned())],
                        });
                    }
                    Kind::Upsert(k)
                }
            };
            Ok((kind, columns))
        })();
        let (kind, columns) = match planned {
            Ok(p) => p,
            Err(e) => {
                if let Some(slot) = outcomes.get_mut(i) {
                    *slot = Some(WriteOutcome::Failed(e));
                }
                continue;
            }
        };
        let key_text = match (kind, op) {
            (Kind::Upsert(_), WriteOp::Upsert { key, fields }) => fields.get(key).map(Value::to_string),
            _ => None,
        };
        let groupable = matches!(kind, Kind::Insert | Kind::Upsert(_)) && !columns.is_empty();
        if let Some(last) = steps.last_mut()
            && groupable
            && last.kind == kind
            && last.columns == columns
            && key_text.as_ref().is_none_or(|k| !seen.contains(k))
        {
            last.members.push(i);
        } else {
            seen.clear();
            steps.push(Step { kind, columns, members: vec![i] });
        }
        if let Some(k) = key_text {
            seen.insert(k);
        }
    }
    steps
}

/// The group's records as one JSON array, with only the step's columns; serialized straight
/// from the operations (no copies of the values: a batch is a thousand records).
fn payload(table: &Table, ops: &[WriteOp], step: &Step) -> String {
    let names: Vec<&str> = step.columns.iter().filter_map(|&c| table.columns.get(c)).map(|c| c.name.as_str()).collect();
    let rows: Vec<RowView<'_>> = step
        .members
        .iter()
        .filter_map(|&i| ops.get(i).and_then(op_fields))
        .map(|fields| RowView { names: &names, fields })
        .collect();
    // Serializing maps of JSON values cannot fail.
    serde_json::to_string(&rows).unwrap_or_default()
}

/// One record restricted to some columns, for serialization.
struct RowView<'a> {
    names: &'a [&'a str],
    fields: &'a Map<String, Value>,
}

impl serde::Serialize for RowView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.names.len()))?;
        for name in self.names {
            if let Some(v) = self.fields.get(*name) {
                map.serialize_entry(name, v)?;
            }
        }
        map.end()
    }
}

fn id_of(op: Option<&WriteOp>) -> &str {
    match op {
        Some(WriteOp::Update { id, .. } | WriteOp::Delete { id } | WriteOp::Archive { id }) => id,
        _ => "",
    }
}

/// Runs a step; one outcome per member, in order.
async fn run(
    conn: &mut PgConnection,
    table: &Table,
    ops: &[WriteOp],
    step: &Step,
) -> Result<Vec<WriteOutcome>, Failure> {
    let Ok(key) = table.key_column() else { return Err(Failure::Short) };
    let qt = table.qualified();
    let kq = key.on_table();
    let id_cast = |n: usize| format!("${n}::text::{}", key.sql_type);
    let cols: Vec<_> = step.columns.iter().filter_map(|&c| table.columns.get(c)).collect();
    let list = cols.iter().map(|c| c.quoted()).collect::<Vec<_>>().join(", ");
    let defs = cols.iter().map(|c| format!("{} {}", c.quoted(), c.input_type())).collect::<Vec<_>>().join(", ");
    let exprs = cols.iter().map(|c| c.input_expr()).collect::<Vec<_>>().join(", ");
    let source = format!("jsonb_to_recordset($1::text::jsonb) AS {R}({defs})");
    let first = step.members.first().copied().and_then(|i| ops.get(i));
    let id = id_of(first).to_owned();

    let rows = match step.kind {
        Kind::Insert | Kind::Upsert(_) if cols.is_empty() => {
            let sql = format!("INSERT INTO {qt} AS {T} DEFAULT VALUES RETURNING {kq}::text, true");
            sqlx::query(&sql).fetch_all(&mut *conn).await?
        }
        Kind::Insert | Kind::Upsert(_) => {
            let mut sql = format!("INSERT INTO {qt} AS {T} ({list}) SELECT {exprs} FROM {source}");
            if let Kind::Upsert(k) = step.kind
                && let Some(kc) = table.columns.get(k)
            {
                let mut sets: Vec<String> = cols
                    .iter()
                    .filter(|c| c.name != kc.name)
                    .map(|c| format!("{0} = EXCLUDED.{0}", c.quoted()))
                    .collect();
                if sets.is_empty() {
                    // DO NOTHING would return no row; a no-op update returns it.
                    sets.push(format!("{0} = EXCLUDED.{0}", kc.quoted()));
                }
                sql.push_str(&format!(" ON CONFLICT ({}) DO UPDATE SET {}", kc.quoted(), sets.join(", ")));
            }
            // xmax is 0 on a freshly inserted row version, set on an updated one.
            sql.push_str(&format!(" RETURNING {kq}::text, ({T}.xmax = 0)"));
            // RETURNING gives rows in the order of the SELECT feeding the INSERT (the order
            // of the array), which is what maps each outcome back to its operation.
            sqlx::query(&sql).bind(payload(table, ops, step)).fetch_all(&mut *conn).await?
        }
        Kind::Update if cols.is_empty() => {
            let sql = format!("SELECT {kq}::text, false FROM {qt} AS {T} WHERE {kq} = {}", id_cast(1));
            sqlx::query(&sql).bind(&id).fetch_all(&mut *conn).await?
        }
        Kind::Update => {
            let sets =
                cols.iter().map(|c| format!("{} = {}", c.quoted(), c.input_expr())).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "UPDATE {qt} AS {T} SET {sets} FROM {source} WHERE {kq} = {} RETURNING {kq}::text, false",
                id_cast(2)
            );
            sqlx::query(&sql).bind(payload(table, ops, step)).bind(&id).fetch_all(&mut *conn).await?
        }
        Kind::Delete => {
            let sql = format!("DELETE FROM {qt} AS {T} WHERE {kq} = {}", id_cast(1));
            sqlx::query(&sql).bind(&id).execute(&mut *conn).await?;
            // Deleting what is already gone is done: a retried batch must not fail on it.
            return Ok(vec![WriteOutcome::Done { id, created: false }]);
        }
        Kind::Archive => {
            let Some(sd) = table.soft_delete_column() else { return Err(Failure::Short) };
            // A zone-less column gets the UTC time, as every timestamp Hitch writes.
            let now = if sd.base == "timestamptz" { "now()" } else { "(now() AT TIME ZONE 'UTC')" };
            let sql = format!(
                "UPDATE {qt} AS {T} SET {0} = coalesce({T}.{0}, {now}) WHERE {kq} = {1} RETURNING {kq}::text, false",
                sd.quoted(),
                id_cast(1)
            );
            sqlx::query(&sql).bind(&id).fetch_all(&mut *conn).await?
        }
    };
    if matches!(step.kind, Kind::Update | Kind::Archive) && rows.is_empty() {
        return Ok(vec![WriteOutcome::Failed(SyncError::permanent(format!(
            "table {} has no row with {} = {id}",
            table.name, key.name
        )))]);
    }
    if rows.len() != step.members.len() {
        return Err(Failure::Short);
    }
    rows.iter()
        .map(|row| {
            let id: String = row.try_get(0)?;
            let created: bool = row.try_get(1)?;
            Ok(WriteOutcome::Done { id, created })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Failure::Db)
}

/// The record's error in the database's words, naming the column when the database did not:
/// a value PostgreSQL cannot read as its column's type ("invalid input syntax for type
/// integer") is found by trying each of the record's values on its own.
async fn record_error(conn: &mut PgConnection, table: &Table, op: Option<&WriteOp>, err: &sqlx::Error) -> SyncError {
    let classified = classify(err);
    let SyncError::Permanent { message, fields } = &classified else { return classified };
    if !fields.is_empty() || !is_data_exception(err) {
        return classified;
    }
    let Some(values) = op.and_then(op_fields) else { return classified };
    for (name, value) in values {
        let Some(c) = table.column(name) else { continue };
        let sql = format!(
            "SELECT {} FROM jsonb_to_recordset($1::text::jsonb) AS {R}({} {})",
            c.input_expr(),
            c.quoted(),
            c.input_type()
        );
        let one = Value::Array(vec![Value::Object(Map::from_iter([(name.clone(), value.clone())]))]).to_string();
        let Ok(mut sp) = Connection::begin(&mut *conn).await else { break };
        let failed = sqlx::query(&sql).bind(one).fetch_all(&mut *sp).await.is_err();
        if sp.rollback().await.is_err() {
            break;
        }
        if failed {
            return SyncError::Permanent {
                message: format!("{name}: {message}"),
                fields: vec![(name.clone(), message.clone())],
            };
        }
    }
    classified
}
