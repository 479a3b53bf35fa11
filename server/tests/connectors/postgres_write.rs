//! Writing to PostgreSQL tables: set-based upserts, per-record failures, every operation,
//! and the throughput of the write and read paths.

use std::time::Instant;

use hitch::sync::connector::{Connector, ReadMode, SyncError, WriteOp, WriteOutcome};
use serde_json::{Map, Value, json};

use crate::postgres::test_db;

const TABLES: &str = r"
CREATE TABLE contacts (
  id int PRIMARY KEY,
  email text UNIQUE,
  name text NOT NULL,
  age int CHECK (age >= 0),
  score numeric(12, 2),
  born date,
  meta jsonb,
  photo bytea,
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);
";

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn upsert(v: Value) -> WriteOp {
    WriteOp::Upsert { key: "id".into(), fields: fields(v) }
}

fn done(o: &WriteOutcome) -> (String, bool) {
    match o {
        WriteOutcome::Done { id, created } => (id.clone(), *created),
        WriteOutcome::Failed(e) => panic!("expected done, got {e:?}"),
    }
}

fn failed(o: &WriteOutcome) -> (String, Vec<(String, String)>) {
    match o {
        WriteOutcome::Failed(SyncError::Permanent { message, fields }) => (message.clone(), fields.clone()),
        other => panic!("expected a permanent failure, got {other:?}"),
    }
}

#[tokio::test]
async fn upserts_insert_then_update_with_created_flags() {
    let Some(db) = test_db(TABLES).await else { return };
    let ops: Vec<WriteOp> = (1..=1000)
        .map(|i| {
            upsert(json!({"id": i, "email": format!("c{i}@x.io"), "name": format!("C {i}"), "score": "12.50",
                          "born": "1990-05-06", "meta": {"i": i}, "photo": "AP8=", "updated_at": "2024-01-01T00:00:00Z"}))
        })
        .collect();
    let out = db.conn.write_batch("contacts", &ops).await.unwrap();
    assert_eq!(out.len(), 1000);
    assert!(out.iter().enumerate().all(|(i, o)| done(o) == ((i + 1).to_string(), true)));

    // Half again (changed), half new, in one batch; one key twice (the later wins).
    let mut ops: Vec<WriteOp> =
        (501..=1499).map(|i| upsert(json!({"id": i, "name": format!("v2 {i}"), "age": 30}))).collect();
    ops.push(upsert(json!({"id": 501, "name": "v3 501"})));
    let out = db.conn.write_batch("contacts", &ops).await.unwrap();
    for (i, o) in out.iter().enumerate().take(999) {
        assert_eq!(done(o), ((i + 501).to_string(), i + 501 > 1000), "op {i}");
    }
    assert_eq!(done(&out[999]), ("501".into(), false));
    assert_eq!(db.scalar("SELECT count(*)::text FROM contacts").await, "1499");
    assert_eq!(
        db.scalar("SELECT name || '|' || coalesce(age::text, '') FROM contacts WHERE id = 501").await,
        "v3 501|30"
    );
    assert_eq!(
        db.scalar("SELECT email || '|' || score || '|' || born || '|' || meta::text || '|' || encode(photo, 'hex') FROM contacts WHERE id = 600").await,
        "c600@x.io|12.50|1990-05-06|{\"i\": 600}|00ff",
        "columns absent from an upsert are left alone; values converted to their types"
    );

    // Upsert by another unique column.
    let op = WriteOp::Upsert {
        key: "email".into(),
        fields: fields(json!({"id": 9999, "email": "c2@x.io", "name": "by email"})),
    };
    let out = db.conn.write_batch("contacts", &[op]).await.unwrap();
    assert_eq!(done(&out[0]), ("9999".into(), false), "the row found by email, its key changed");
    db.drop().await;
}

#[tokio::test]
async fn bad_rows_fail_alone_with_the_database_words() {
    let Some(db) = test_db(TABLES).await else { return };
    let ops = vec![
        upsert(json!({"id": 1, "name": "ok one", "age": 1})),
        upsert(json!({"id": 2, "name": null, "age": 2})),
        upsert(json!({"id": 3, "name": "bad age", "age": "abc"})),
        upsert(json!({"id": 4, "name": "negative", "age": -1})),
        upsert(json!({"id": 5, "name": "ok five", "age": 5, "nope": 1})),
        upsert(json!({"id": 6, "name": "ok six", "age": 6})),
        WriteOp::Upsert { key: "name".into(), fields: fields(json!({"id": 7, "name": "x"})) },
        upsert(json!({"name": "no key"})),
    ];
    let out = db.conn.write_batch("contacts", &ops).await.unwrap();
    assert_eq!(out.len(), 8);
    assert_eq!(done(&out[0]), ("1".into(), true));
    let (message, f) = failed(&out[1]);
    assert!(message.contains("null value in column \"name\""), "{message}");
    assert_eq!(f[0].0, "name");
    let (message, f) = failed(&out[2]);
    assert!(message.contains("invalid input syntax for type integer: \"abc\""), "{message}");
    assert_eq!(f[0].0, "age", "the column found by trying each value");
    let (message, _) = failed(&out[3]);
    assert!(message.contains("check constraint"), "{message}");
    let (message, f) = failed(&out[4]);
    assert!(message.contains("no column nope"), "{message}");
    assert_eq!(f[0].0, "nope");
    assert_eq!(done(&out[5]), ("6".into(), true));
    assert!(failed(&out[6]).0.contains("unique index"));
    assert!(failed(&out[7]).0.contains("no value for the key id"));
    assert_eq!(db.scalar("SELECT string_agg(id::text, ',' ORDER BY id) FROM contacts").await, "1,6");
    db.drop().await;
}

#[tokio::test]
async fn create_update_delete_archive() {
    let Some(db) = test_db(TABLES).await else { return };
    let create = |body: &str| WriteOp::Create { fields: fields(json!({"body": body})), idempotency_key: String::new() };
    let out = db.conn.write_batch("notes", &[create("a"), create("b"), create("c")]).await.unwrap();
    let ids: Vec<(String, bool)> = out.iter().map(done).collect();
    assert_eq!(ids, [("1".into(), true), ("2".into(), true), ("3".into(), true)]);

    let ops = vec![
        WriteOp::Update { id: "2".into(), fields: fields(json!({"body": "B"})) },
        WriteOp::Update { id: "42".into(), fields: fields(json!({"body": "nobody"})) },
        WriteOp::Update { id: "not-a-number".into(), fields: fields(json!({"body": "x"})) },
        WriteOp::Delete { id: "3".into() },
        WriteOp::Delete { id: "3".into() },
        WriteOp::Archive { id: "1".into() },
    ];
    let out = db.conn.write_batch("notes", &ops).await.unwrap();
    assert_eq!(done(&out[0]), ("2".into(), false));
    assert!(failed(&out[1]).0.contains("no row with id = 42"));
    assert!(failed(&out[2]).0.contains("invalid input syntax"), "{:?}", out[2]);
    assert_eq!(done(&out[3]), ("3".into(), false));
    assert_eq!(done(&out[4]), ("3".into(), false), "deleting what is gone is done");
    assert_eq!(failed(&out[5]).0, "this table has no deleted_at column to archive with");
    assert_eq!(db.scalar("SELECT string_agg(id || '=' || body, ',' ORDER BY id) FROM notes").await, "1=a,2=B");

    let ops = [upsert(json!({"id": 1, "name": "n"})), WriteOp::Archive { id: "1".into() }];
    db.conn.write_batch("contacts", &ops).await.unwrap();
    let page = db.conn.read_page("contacts", &ReadMode::Full, None).await.unwrap();
    assert!(page.records[0].deleted);
    db.drop().await;
}

/// 100,000 rows through `write_batch` upserts (batches of 1,000), then read back in full.
#[tokio::test]
async fn throughput() {
    let Some(db) = test_db(TABLES).await else { return };
    let rows = 100_000;
    let batches: Vec<Vec<WriteOp>> = (0..rows / 1000)
        .map(|b| {
            (b * 1000 + 1..=b * 1000 + 1000)
                .map(|i| {
                    upsert(json!({"id": i, "email": format!("c{i}@example.com"), "name": format!("Contact {i}"),
                                  "age": i % 90, "score": "1234.50", "born": "1990-05-06",
                                  "meta": {"source": "bench", "n": i}, "updated_at": "2024-03-04T05:06:07.123456Z"}))
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    for batch in &batches {
        let out = db.conn.write_batch("contacts", batch).await.unwrap();
        assert!(out.iter().all(|o| matches!(o, WriteOutcome::Done { created: true, .. })));
    }
    let insert = started.elapsed();
    let started = Instant::now();
    for batch in &batches {
        db.conn.write_batch("contacts", batch).await.unwrap();
    }
    let update = started.elapsed();
    let started = Instant::now();
    let read = db.read_all("contacts", &ReadMode::Full).await;
    let read_time = started.elapsed();
    assert_eq!(read.len(), rows as usize);
    let rate = |d: std::time::Duration| (rows as f64 / d.as_secs_f64()).round();
    eprintln!(
        "postgres throughput ({} build): upsert-insert {} rows/s ({insert:?}), upsert-update {} rows/s ({update:?}), full read {} rows/s ({read_time:?})",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        rate(insert),
        rate(update),
        rate(read_time)
    );
    db.drop().await;
}
