//! The PostgreSQL connector against a real server: a fresh database per test, dropped at the
//! end. Needs `HITCH_TEST_DATABASE_URL` (CI sets it); without it the tests say SKIPPED.

use std::collections::HashSet;

use hitch::sync::connector::{Connector, FieldKind, ReadMode, Record, SyncError};
use hitch::sync::connectors::postgres::PostgresConnector;
use sqlx::{Connection, Executor, PgConnection};

pub struct TestDb {
    admin: String,
    name: String,
    pub url: String,
    pub conn: PostgresConnector,
}

/// A fresh database, or None (and SKIPPED printed) without `HITCH_TEST_DATABASE_URL`.
pub async fn test_db(setup: &str) -> Option<TestDb> {
    let Ok(admin) = std::env::var("HITCH_TEST_DATABASE_URL") else {
        eprintln!("SKIPPED: HITCH_TEST_DATABASE_URL is not set");
        return None;
    };
    let name = format!("hitch_conn_{}", uuid::Uuid::new_v4().simple());
    let mut c = PgConnection::connect(&admin).await.unwrap();
    c.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    c.close().await.unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    let url = url.to_string();
    let mut c = PgConnection::connect(&url).await.unwrap();
    c.execute(setup).await.unwrap();
    c.close().await.unwrap();
    let conn = PostgresConnector::connect(&url).await.unwrap();
    Some(TestDb { admin, name, url, conn })
}

impl TestDb {
    pub async fn sql(&self, sql: &str) {
        let mut c = PgConnection::connect(&self.url).await.unwrap();
        c.execute(sql).await.unwrap();
        c.close().await.unwrap();
    }

    pub async fn scalar(&self, sql: &str) -> String {
        let mut c = PgConnection::connect(&self.url).await.unwrap();
        let (v,): (String,) = sqlx::query_as(sql).fetch_one(&mut c).await.unwrap();
        c.close().await.unwrap();
        v
    }

    pub async fn drop(self) {
        self.conn.close().await;
        let mut c = PgConnection::connect(&self.admin).await.unwrap();
        c.execute(format!("DROP DATABASE {} WITH (FORCE)", self.name).as_str()).await.unwrap();
        c.close().await.unwrap();
    }

    /// Every page of a read, checking the page sizes on the way.
    pub async fn read_all(&self, object: &str, mode: &ReadMode) -> Vec<Record> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self.conn.read_page(object, mode, token.as_deref()).await.unwrap();
            assert!(page.records.len() <= 1000);
            if page.next.is_some() {
                assert_eq!(page.records.len(), 1000, "only the last page is short");
            }
            out.extend(page.records);
            match page.next {
                Some(n) => token = Some(n),
                None => return out,
            }
        }
    }
}

const PEOPLE: &str = r"
CREATE TABLE people (
  id serial PRIMARY KEY,
  email text UNIQUE NOT NULL,
  name varchar(50) NOT NULL,
  age int,
  score numeric(30, 10),
  ratio float8,
  active bool DEFAULT true,
  born date,
  meta jsonb,
  tags text[],
  photo bytea,
  ref uuid,
  created_at timestamp,
  updated_at timestamptz NOT NULL DEFAULT now(),
  shout text GENERATED ALWAYS AS (upper(name)) STORED,
  deleted_at timestamptz
);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, modified_at timestamp, body text);
CREATE TABLE loose (a int, b text);
CREATE SCHEMA hidden;
CREATE TABLE hidden.secret (id int PRIMARY KEY);
";

#[tokio::test]
async fn discovers_tables_fields_keys_and_cursors() {
    let Some(db) = test_db(PEOPLE).await else { return };
    let objects = db.conn.objects().await.unwrap();
    let names: Vec<&str> = objects.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["events", "loose", "people"], "the search path only, no system schemas");

    let people = objects.iter().find(|o| o.name == "people").unwrap();
    let field = |n: &str| people.fields.iter().find(|f| f.name == n).unwrap();
    for (name, kind) in [
        ("id", FieldKind::Number),
        ("email", FieldKind::String),
        ("name", FieldKind::String),
        ("score", FieldKind::Number),
        ("ratio", FieldKind::Number),
        ("active", FieldKind::Boolean),
        ("born", FieldKind::Date),
        ("meta", FieldKind::Json),
        ("tags", FieldKind::Json),
        ("ref", FieldKind::String),
        ("created_at", FieldKind::DateTime),
        ("updated_at", FieldKind::DateTime),
    ] {
        assert_eq!(field(name).kind, kind, "{name}");
    }
    assert!(field("email").required && field("name").required);
    assert!(!field("id").required, "serial has a default");
    assert!(!field("updated_at").required && !field("age").required);
    assert!(field("shout").read_only && !field("name").read_only);
    assert!(people.incremental && people.writable);
    assert_eq!(people.upsert_keys, ["id", "email"]);
    assert!(people.deletes.contains("deleted_at"), "{}", people.deletes);

    let events = objects.iter().find(|o| o.name == "events").unwrap();
    assert!(events.incremental, "modified_at (timestamp without zone) is a cursor");
    assert!(events.fields.iter().find(|f| f.name == "id").unwrap().read_only, "identity ALWAYS");
    assert_eq!(events.deletes, "not visible: a full refresh finds them");

    let loose = objects.iter().find(|o| o.name == "loose").unwrap();
    assert!(!loose.incremental && !loose.writable && loose.upsert_keys.is_empty());
    let err = db.conn.read_page("loose", &ReadMode::Full, None).await.unwrap_err();
    assert!(matches!(&err, SyncError::Permanent { message, .. } if message.contains("primary key")), "{err:?}");
    db.drop().await;
}

#[tokio::test]
async fn full_read_pages_by_key_without_gaps_or_repeats() {
    let Some(db) = test_db(PEOPLE).await else { return };
    db.sql(
        r"INSERT INTO people (email, name, age, score, ratio, born, meta, tags, photo, ref, created_at, updated_at)
          SELECT 'p' || i || '@x.io', 'P ' || i, i % 90, 12345678901234567890.5, 0.25, DATE '2000-01-31',
                 jsonb_build_object('n', i), ARRAY['a', 'b'], '\x00ff'::bytea,
                 '6f1c4a52-0000-4000-8000-000000000001', TIMESTAMP '2024-02-03 04:05:06.789',
                 TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * interval '1 second'
          FROM generate_series(1, 2500) i;
          UPDATE people SET score = 1.5, deleted_at = now() WHERE id = 7;",
    )
    .await;
    // Deleting and adding rows ahead of the read position must not shift pages (no OFFSET).
    let first = db.conn.read_page("people", &ReadMode::Full, None).await.unwrap();
    assert_eq!(first.records.len(), 1000);
    db.sql("DELETE FROM people WHERE id BETWEEN 10 AND 20").await;
    let mut records = first.records;
    let mut token = first.next;
    while let Some(t) = token {
        let page = db.conn.read_page("people", &ReadMode::Full, Some(&t)).await.unwrap();
        records.extend(page.records);
        token = page.next;
    }
    let ids: Vec<i64> = records.iter().map(|r| r.id.parse().unwrap()).collect();
    assert_eq!(ids, (1..=2500).collect::<Vec<_>>(), "every row once, in key order");

    let r = &records[6];
    assert_eq!(r.id, "7");
    assert!(r.deleted, "deleted_at set");
    assert_eq!(r.fields["score"], serde_json::json!(1.5), "lossless numeric as a number");
    let r = &records[0];
    assert!(!r.deleted);
    assert_eq!(r.fields["score"], serde_json::json!("12345678901234567890.5000000000"), "exact digits kept as text");
    assert_eq!(r.fields["id"], serde_json::json!(1));
    assert_eq!(r.fields["ratio"], serde_json::json!(0.25));
    assert_eq!(r.fields["active"], serde_json::json!(true));
    assert_eq!(r.fields["born"], serde_json::json!("2000-01-31"));
    assert_eq!(r.fields["meta"], serde_json::json!({"n": 1}));
    assert_eq!(r.fields["tags"], serde_json::json!(["a", "b"]));
    assert_eq!(r.fields["photo"], serde_json::json!("AP8="), "bytea as base64");
    assert_eq!(r.fields["ref"], serde_json::json!("6f1c4a52-0000-4000-8000-000000000001"));
    assert_eq!(r.fields["created_at"], serde_json::json!("2024-02-03T04:05:06.789000Z"));
    assert_eq!(r.fields["updated_at"], serde_json::json!("2024-01-01T00:00:01.000000Z"));
    assert_eq!(r.fields["shout"], serde_json::json!("P 1"));
    assert_eq!(r.fields["deleted_at"], serde_json::Value::Null);
    assert_eq!(r.cursor.as_deref(), Some("2024-01-01T00:00:01.000000Z"), "fixed width, UTC");
    db.drop().await;
}

#[tokio::test]
async fn since_reads_are_inclusive_and_break_ties_by_key() {
    let Some(db) = test_db(PEOPLE).await else { return };
    // 2,500 rows in 5 groups of 500 sharing one updated_at each, inserted in shuffled key
    // order so ties are not in key order on disk; pages of 1000 split groups.
    db.sql(
        r"INSERT INTO people (id, email, name, updated_at)
          SELECT i, 'p' || i || '@x.io', 'P', TIMESTAMPTZ '2024-05-01 12:00:00+02' + ((i - 1) % 5) * interval '1 microsecond'
          FROM (SELECT i FROM generate_series(1, 2500) i ORDER BY md5(i::text)) s;",
    )
    .await;
    let all = db.read_all("people", &ReadMode::Full).await;
    let mut cursors: Vec<String> = all.iter().filter_map(|r| r.cursor.clone()).collect();
    cursors.sort();
    cursors.dedup();
    assert_eq!(cursors.len(), 5, "{cursors:?}");
    assert_eq!(cursors[0], "2024-05-01T10:00:00.000000Z");

    // From the third group's value: groups 3, 4, 5, every row of each, in (cursor, key) order.
    let since = cursors[2].clone();
    let read = db.read_all("people", &ReadMode::Since(since.clone())).await;
    assert_eq!(read.len(), 1500);
    assert!(read.iter().all(|r| r.cursor.as_deref().unwrap() >= since.as_str()));
    let keys: Vec<(String, i64)> = read.iter().map(|r| (r.cursor.clone().unwrap(), r.id.parse().unwrap())).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "ascending by cursor, then key");
    assert_eq!(keys.iter().map(|k| k.1).collect::<HashSet<_>>().len(), 1500, "no repeats");

    // A cursor past every row reads nothing; one that is not a time is rejected.
    assert!(db.read_all("people", &ReadMode::Since("2030-01-01T00:00:00.000000Z".into())).await.is_empty());
    let err = db.conn.read_page("people", &ReadMode::Since("yesterday-ish".into()), None).await.unwrap_err();
    assert!(matches!(err, SyncError::CursorRejected { .. }), "{err:?}");
    let err = db.conn.read_page("loose", &ReadMode::Since(since), None).await.unwrap_err();
    assert_eq!(err.kind(), "permanent");
    db.drop().await;
}

#[tokio::test]
async fn identifiers_never_reach_sql_unchecked() {
    let weird = r#"CREATE TABLE "we""ird; x" ("i""d" int PRIMARY KEY, "va'l" text);
                  INSERT INTO "we""ird; x" VALUES (1, 'one');"#;
    let Some(db) = test_db(&format!("{PEOPLE}{weird}")).await else { return };
    for object in
        ["people; DROP TABLE people; --", "people\" ; DROP TABLE people; --", "hidden.secret", "pg_catalog.pg_class"]
    {
        let err = db.conn.read_page(object, &ReadMode::Full, None).await.unwrap_err();
        assert_eq!(err.kind(), "permanent", "{object}: {err:?}");
        let err = db.conn.write_batch(object, &[]).await.unwrap_err();
        assert_eq!(err.kind(), "permanent");
    }
    // A table whose real name has quotes and semicolons works, quoted.
    let page = db.conn.read_page("we\"ird; x", &ReadMode::Full, None).await.unwrap();
    assert_eq!(page.records[0].fields["va'l"], serde_json::json!("one"));
    let mut fields = serde_json::Map::new();
    fields.insert("i\"d".into(), serde_json::json!(1));
    fields.insert("va'l".into(), serde_json::json!("uno"));
    let out = db
        .conn
        .write_batch("we\"ird; x", &[hitch::sync::connector::WriteOp::Upsert { key: "i\"d".into(), fields }])
        .await
        .unwrap();
    assert!(
        matches!(&out[0], hitch::sync::connector::WriteOutcome::Done { id, created: false } if id == "1"),
        "{out:?}"
    );
    assert_eq!(db.scalar(r#"SELECT "va'l" FROM "we""ird; x""#).await, "uno");
    assert_eq!(db.scalar("SELECT count(*)::text FROM people").await, "0", "people still exists");
    db.drop().await;
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error() {
    let Ok(admin) = std::env::var("HITCH_TEST_DATABASE_URL") else {
        eprintln!("SKIPPED: HITCH_TEST_DATABASE_URL is not set");
        return;
    };
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_username("hitch_no_such_role").unwrap();
    url.set_password(Some("wrong-password")).unwrap();
    let err = PostgresConnector::connect(url.as_str()).await.unwrap_err();
    assert!(matches!(&err, SyncError::Auth { .. }), "{err:?}");
    assert!(!err.to_string().contains("wrong-password"), "never the password: {err}");

    let err = PostgresConnector::connect("mysql://x@y/z").await.unwrap_err();
    assert_eq!(err.kind(), "permanent");
    let err = PostgresConnector::connect("postgres://u:p@127.0.0.1:1/db").await.unwrap_err();
    assert_eq!(err.kind(), "retryable", "{err:?}");
}
