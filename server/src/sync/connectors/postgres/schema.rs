//! Discovering the tables a connection can see, and the SQL fragments built from them.
//!
//! Every identifier that reaches SQL comes from here: names are read from the catalog, never
//! from a request, and are always quoted. A name a caller passes in is only ever used to look
//! a discovered table or column up.

use std::collections::HashMap;

use sqlx::{PgPool, Row};

use super::errors::classify;
use crate::sync::connector::{FieldKind, FieldSpec, ObjectSpec, SyncError};

/// Column names that mark an incremental cursor, in order of preference.
const CURSOR_NAMES: &[&str] =
    &["updated_at", "modified_at", "last_modified", "last_modified_at", "updated_on", "last_updated"];

/// Column names that mark soft deletion, in order of preference.
const SOFT_DELETE_NAMES: &[&str] = &["deleted_at", "archived_at"];

/// Alias of the table in every statement; system-column references go through it.
pub(super) const T: &str = "_hitch_t";
/// Alias of the incoming records (`jsonb_to_recordset`) in writes.
pub(super) const R: &str = "_hitch_r";

/// The width of the text cursor: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so string order = time order.
const TS_FORMAT: &str = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'";

/// One column as the catalog describes it.
#[derive(Debug, Clone)]
pub(super) struct Column {
    pub name: String,
    /// The type without modifiers (`integer`, `timestamp with time zone`), for casts.
    pub sql_type: String,
    /// The type with modifiers (`character varying(20)`), so incoming values are checked
    /// against the length and precision the column enforces.
    pub sql_type_full: String,
    /// The underlying type's name (`int4`, `timestamptz`; a domain's base type).
    pub base: String,
    pub array: bool,
    pub kind: FieldKind,
    pub not_null: bool,
    pub has_default: bool,
    /// Identity ALWAYS or a generated column: PostgreSQL refuses values for it.
    pub system_set: bool,
    /// An identity column (either kind): the database supplies the value.
    pub identity: bool,
}

impl Column {
    pub fn quoted(&self) -> String {
        quote_ident(&self.name)
    }

    /// `_hitch_t."col"`
    pub fn on_table(&self) -> String {
        format!("{T}.{}", self.quoted())
    }

    /// The expression that reads this column as JSON-friendly text, when `to_jsonb` alone
    /// would not do: exact numerics (JSON numbers lose digits), bytes (base64 rather than
    /// PostgreSQL's `\x…`), timestamps (RFC 3339 in UTC, fixed width).
    pub fn read_override(&self) -> Option<String> {
        if self.array {
            return None;
        }
        let c = self.on_table();
        match self.base.as_str() {
            "numeric" => Some(format!("{c}::text")),
            "bytea" => Some(format!("replace(encode({c}, 'base64'), E'\\n', '')")),
            "timestamptz" | "timestamp" => Some(timestamp_text(&c, self.base == "timestamptz")),
            _ => None,
        }
    }

    /// The type the incoming JSON value is read as (`jsonb_to_recordset` column definition).
    pub fn input_type(&self) -> &str {
        // Bytes arrive as base64 text; `decode` turns them into bytea.
        if self.base == "bytea" && !self.array { "text" } else { &self.sql_type_full }
    }

    /// The expression that yields this column's value from the incoming record.
    pub fn input_expr(&self) -> String {
        let v = format!("{R}.{}", self.quoted());
        if self.base == "bytea" && !self.array { format!("decode({v}, 'base64')") } else { v }
    }

    /// Whether reads turn this column's text into a JSON number when that is lossless.
    pub fn exact_numeric(&self) -> bool {
        self.base == "numeric" && !self.array
    }
}

/// Fixed-width RFC 3339 text of a timestamp expression; infinities as PostgreSQL spells them
/// (which, usefully, still sort before and after every date).
pub(super) fn timestamp_text(expr: &str, with_zone: bool) -> String {
    let utc = if with_zone { format!("{expr} AT TIME ZONE 'UTC'") } else { expr.to_owned() };
    format!("CASE WHEN isfinite({expr}) THEN to_char({utc}, {TS_FORMAT}) ELSE {expr}::text END")
}

/// A table and what Hitch makes of it.
#[derive(Debug, Clone)]
pub(super) struct Table {
    /// The object name: the table's name in the current schema, else `schema.table`.
    pub name: String,
    pub schema: String,
    pub table: String,
    pub columns: Vec<Column>,
    /// The single-column key reads page by and writes address rows by.
    pub key: Option<usize>,
    /// Columns with a single-column unique index (the key first): valid upsert keys.
    pub unique: Vec<usize>,
    pub cursor: Option<usize>,
    pub soft_delete: Option<usize>,
    /// INSERT and UPDATE are granted.
    pub can_write: bool,
}

impl Table {
    /// `"schema"."table"`
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.table))
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn key_column(&self) -> Result<&Column, SyncError> {
        self.key.and_then(|i| self.columns.get(i)).ok_or_else(|| {
            SyncError::permanent(format!(
                "table {} has no single-column primary key (or unique NOT NULL column); Hitch needs one to \
                 read it page by page and to address its rows",
                self.name
            ))
        })
    }

    pub fn cursor_column(&self) -> Option<&Column> {
        self.cursor.and_then(|i| self.columns.get(i))
    }

    pub fn soft_delete_column(&self) -> Option<&Column> {
        self.soft_delete.and_then(|i| self.columns.get(i))
    }

    pub fn writable(&self) -> bool {
        self.can_write && self.key.is_some()
    }

    pub fn spec(&self) -> ObjectSpec {
        let fields = self
            .columns
            .iter()
            .map(|c| FieldSpec {
                name: c.name.clone(),
                label: c.name.clone(),
                kind: c.kind,
                required: c.not_null && !c.has_default && !c.identity && !c.system_set,
                read_only: c.system_set,
            })
            .collect();
        let deletes = match self.soft_delete_column() {
            Some(c) => format!("soft-delete column {}: rows with it set are read as deleted", c.name),
            None => "not visible: a full refresh finds them".to_owned(),
        };
        ObjectSpec {
            name: self.name.clone(),
            label: self.name.clone(),
            fields,
            incremental: self.cursor.is_some() && self.key.is_some(),
            writable: self.writable(),
            deletes,
            upsert_keys: self.unique.iter().filter_map(|&i| self.columns.get(i)).map(|c| c.name.clone()).collect(),
        }
    }
}

/// `"name"`, with embedded quotes doubled.
pub(super) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'`, with embedded quotes doubled (standard_conforming_strings is on by default
/// since PostgreSQL 9.1, so backslashes are literal).
pub(super) fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn kind_of(base: &str, category: &str, array: bool) -> FieldKind {
    if array || category == "C" {
        return FieldKind::Json;
    }
    match base {
        "bool" => FieldKind::Boolean,
        "int2" | "int4" | "int8" | "float4" | "float8" | "numeric" | "oid" => FieldKind::Number,
        "timestamptz" | "timestamp" => FieldKind::DateTime,
        "date" => FieldKind::Date,
        "json" | "jsonb" => FieldKind::Json,
        _ => FieldKind::String,
    }
}

// Tables (and partitioned tables, not their partitions) in the schemas of the search path
// that the user may read; system schemas never appear in `current_schemas(false)` except
// by an explicit search_path, so they are excluded by name as well.
const COLUMNS_SQL: &str = r"
SELECT n.nspname::text AS schema_name,
       c.relname::text AS table_name,
       a.attname::text AS column_name,
       format_type(a.atttypid, NULL) AS sql_type,
       format_type(a.atttypid, a.atttypmod) AS sql_type_full,
       coalesce(et.typname, bt.typname, t.typname)::text AS base_type,
       coalesce(bt.typcategory, t.typcategory)::text AS category,
       a.attnotnull AS not_null,
       a.atthasdef AS has_default,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       (n.nspname = current_schema()) AS is_current,
       (has_table_privilege(c.oid, 'INSERT') AND has_table_privilege(c.oid, 'UPDATE')) AS can_write
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_type et ON et.oid = coalesce(bt.typelem, t.typelem) AND coalesce(bt.typcategory, t.typcategory) = 'A'
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname = ANY (current_schemas(false))
  AND n.nspname <> 'information_schema'
  AND n.nspname NOT LIKE 'pg\_%'
  AND has_table_privilege(c.oid, 'SELECT')
ORDER BY array_position(current_schemas(false), n.nspname), c.relname, a.attnum
";

// Single-column unique indexes (primary keys first): keys to page by and to upsert on.
const KEYS_SQL: &str = r"
SELECT n.nspname::text AS schema_name, c.relname::text AS table_name, a.attname::text AS column_name,
       i.indisprimary AS is_primary
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
WHERE i.indisunique AND i.indisvalid AND i.indnkeyatts = 1
  AND i.indexprs IS NULL AND i.indpred IS NULL
  AND n.nspname = ANY (current_schemas(false))
ORDER BY i.indisprimary DESC, a.attnum
";

/// Reads the catalog: every readable table of the search path, by object name.
pub(super) async fn discover(pool: &PgPool) -> Result<HashMap<String, Table>, SyncError> {
    let rows = sqlx::query(COLUMNS_SQL).fetch_all(pool).await.map_err(|e| classify(&e))?;
    let mut tables: Vec<Table> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for row in &rows {
        let get = |name: &str| row.try_get::<String, _>(name).map_err(|e| classify(&e));
        let flag = |name: &str| row.try_get::<bool, _>(name).map_err(|e| classify(&e));
        let (schema, table) = (get("schema_name")?, get("table_name")?);
        let at = match index.get(&(schema.clone(), table.clone())) {
            Some(&i) => i,
            None => {
                let name = if flag("is_current")? { table.clone() } else { format!("{schema}.{table}") };
                tables.push(Table {
                    name,
                    schema: schema.clone(),
                    table: table.clone(),
                    columns: Vec::new(),
                    key: None,
                    unique: Vec::new(),
                    cursor: None,
                    soft_delete: None,
                    can_write: flag("can_write")?,
                });
                index.insert((schema, table), tables.len() - 1);
                tables.len() - 1
            }
        };
        let category = get("category")?;
        let base = get("base_type")?;
        let array = category == "A";
        let identity = get("identity")?;
        let generated = get("generated")?;
        let column = Column {
            name: get("column_name")?,
            sql_type: get("sql_type")?,
            sql_type_full: get("sql_type_full")?,
            kind: kind_of(&base, &category, array),
            base,
            array,
            not_null: flag("not_null")?,
            has_default: flag("has_default")?,
            system_set: identity == "a" || !generated.is_empty(),
            identity: !identity.is_empty(),
        };
        if let Some(t) = tables.get_mut(at) {
            t.columns.push(column);
        }
    }

    let keys = sqlx::query(KEYS_SQL).fetch_all(pool).await.map_err(|e| classify(&e))?;
    for row in &keys {
        let get = |name: &str| row.try_get::<String, _>(name).map_err(|e| classify(&e));
        let Some(&at) = index.get(&(get("schema_name")?, get("table_name")?)) else { continue };
        let Some(t) = tables.get_mut(at) else { continue };
        let column = get("column_name")?;
        let primary = row.try_get::<bool, _>("is_primary").map_err(|e| classify(&e))?;
        let Some(i) = t.columns.iter().position(|c| c.name == column) else { continue };
        if !t.unique.contains(&i) {
            t.unique.push(i);
        }
        // The primary key, else a unique column that can never be NULL (a NULL key could
        // not be paged past).
        if t.key.is_none() && (primary || t.columns.get(i).is_some_and(|c| c.not_null)) {
            t.key = Some(i);
        }
    }

    for t in &mut tables {
        // Keep the key first among the upsert keys.
        if let Some(k) = t.key {
            t.unique.retain(|&i| i != k);
            t.unique.insert(0, k);
        }
        let is_time = |c: &Column| !c.array && matches!(c.base.as_str(), "timestamptz" | "timestamp");
        let pick = |names: &[&str]| {
            names.iter().find_map(|n| t.columns.iter().position(|c| c.name.eq_ignore_ascii_case(n) && is_time(c)))
        };
        t.cursor = pick(CURSOR_NAMES);
        t.soft_delete = pick(SOFT_DELETE_NAMES);
    }
    Ok(tables.into_iter().map(|t| (t.name.clone(), t)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(quote_ident("a\"; DROP TABLE x; --"), "\"a\"\"; DROP TABLE x; --\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_of("varchar", "S", false), FieldKind::String);
        assert_eq!(kind_of("uuid", "U", false), FieldKind::String);
        assert_eq!(kind_of("numeric", "N", false), FieldKind::Number);
        assert_eq!(kind_of("int4", "A", true), FieldKind::Json);
        assert_eq!(kind_of("timestamptz", "D", false), FieldKind::DateTime);
        assert_eq!(kind_of("date", "D", false), FieldKind::Date);
        assert_eq!(kind_of("jsonb", "U", false), FieldKind::Json);
        assert_eq!(kind_of("bool", "B", false), FieldKind::Boolean);
    }
}
