//! The HubSpot stand-in's records: one table per object, each indexed by id and by
//! (last modified, id), contacts also by lower-cased email. Properties are stored as one string
//! per record (values joined by U+001F), so 100,000 contacts cost one allocation each.
//! Writes through [`Table::create`], [`Table::update`] and [`Table::archive`] also note what
//! changed in [`Table::changes`], which the webhook sender takes after each request.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::schema::{Object, PropRef};

/// Separates stored values; values never contain it (writes strip it).
pub const SEP: char = '\u{1f}';

#[derive(Debug, Clone)]
pub struct Record {
    pub id: u64,
    pub created: i64,
    pub updated: i64,
    pub archived_at: Option<i64>,
    values: Box<str>,
}

impl Record {
    pub fn new(id: u64, created: i64, updated: i64, values: Box<str>) -> Record {
        Record { id, created, updated, archived_at: None, values }
    }

    /// A stored value; empty means "no value" as in HubSpot.
    pub fn value(&self, index: usize) -> Option<&str> {
        self.values.split(SEP).nth(index).filter(|v| !v.is_empty())
    }

    /// The value a request sees for `r` (computed ones rendered as HubSpot does).
    pub fn get(&self, r: PropRef) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match r {
            PropRef::Stored(i) => self.value(i).map(Cow::Borrowed),
            PropRef::Created => Some(Cow::Owned(crate::sandbox::data::json::iso_ms(self.created))),
            PropRef::Modified => Some(Cow::Owned(crate::sandbox::data::json::iso_ms(self.updated))),
            PropRef::ObjectId => Some(Cow::Owned(self.id.to_string())),
        }
    }

    /// Applies `changes` (`None` clears a value); `width` is the object's property count.
    pub fn set(&mut self, width: usize, changes: &[(usize, Option<String>)]) {
        let mut values: Vec<String> = (0..width).map(|i| self.value(i).unwrap_or("").to_owned()).collect();
        for (i, v) in changes {
            if let Some(slot) = values.get_mut(*i) {
                *slot = v.as_deref().unwrap_or("").replace(SEP, " ");
            }
        }
        self.values = values.join(&SEP.to_string()).into_boxed_str();
    }
}

/// What a write did to one record, as HubSpot's webhook subscriptions see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Created,
    /// A stored property got a new value (`None`: cleared).
    Property(usize, Option<String>),
    Deleted,
}

/// A change to record `id` at `at` (Unix milliseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub id: u64,
    pub at: i64,
    pub change: Change,
}

#[derive(Debug, Default)]
pub struct Table {
    pub live: BTreeMap<u64, Record>,
    pub archived: BTreeMap<u64, Record>,
    pub by_modified: BTreeSet<(i64, u64)>,
    pub by_email: HashMap<Box<str>, u64>,
    pub next_id: u64,
    pub touches: u64,
    /// Changes not yet handed to the webhook sender (seeding records none).
    pub changes: Vec<Changed>,
}

impl Table {
    pub fn insert(&mut self, object: Object, record: Record) {
        self.by_modified.insert((record.updated, record.id));
        if let Some(i) = object.unique_prop()
            && let Some(email) = record.value(i)
        {
            self.by_email.insert(email.to_lowercase().into_boxed_str(), record.id);
        }
        self.next_id = self.next_id.max(record.id + 1);
        self.live.insert(record.id, record);
    }

    pub fn id_by_email(&self, email: &str) -> Option<u64> {
        self.by_email.get(email.to_lowercase().as_str()).copied()
    }

    /// Changes a live record's properties and bumps its modification time.
    pub fn update(&mut self, object: Object, id: u64, changes: &[(usize, Option<String>)], now: i64) -> bool {
        let Some(record) = self.live.get_mut(&id) else { return false };
        let unique = object.unique_prop();
        if let Some(old) = unique.and_then(|i| record.value(i)) {
            self.by_email.remove(old.to_lowercase().as_str());
        }
        self.by_modified.remove(&(record.updated, id));
        let before: Vec<Option<String>> = changes.iter().map(|(i, _)| record.value(*i).map(str::to_owned)).collect();
        record.set(object.props().len(), changes);
        for ((i, _), old) in changes.iter().zip(before) {
            let new = record.value(*i);
            if old.as_deref() != new {
                let change = Change::Property(*i, new.map(str::to_owned));
                self.changes.push(Changed { id, at: now, change });
            }
        }
        record.updated = now.max(record.updated);
        self.by_modified.insert((record.updated, id));
        if let Some(new) = unique.and_then(|i| record.value(i)) {
            self.by_email.insert(new.to_lowercase().into_boxed_str(), id);
        }
        true
    }

    pub fn create(&mut self, object: Object, changes: &[(usize, Option<String>)], now: i64) -> u64 {
        let id = self.next_id.max(1);
        let mut record = Record::new(id, now, now, Box::from(""));
        record.set(object.props().len(), changes);
        self.insert(object, record);
        self.changes.push(Changed { id, at: now, change: Change::Created });
        id
    }

    pub fn archive(&mut self, object: Object, id: u64, now: i64) -> bool {
        let Some(mut record) = self.live.remove(&id) else { return false };
        self.by_modified.remove(&(record.updated, id));
        if let Some(email) = object.unique_prop().and_then(|i| record.value(i)) {
            self.by_email.remove(email.to_lowercase().as_str());
        }
        record.archived_at = Some(now);
        record.updated = now.max(record.updated);
        self.archived.insert(id, record);
        self.changes.push(Changed { id, at: now, change: Change::Deleted });
        true
    }
}

/// Every table, and the seed they came from.
#[derive(Debug, Default)]
pub struct Store {
    pub seed: u64,
    pub tables: [Table; 3],
}

impl Store {
    pub fn table(&self, object: Object) -> &Table {
        &self.tables[object.index()]
    }

    pub fn table_mut(&mut self, object: Object) -> &mut Table {
        &mut self.tables[object.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_indexes_follow_writes() {
        let mut t = Table::default();
        let id = t.create(Object::Contacts, &[(0, Some("A@Example.com".into())), (1, Some("Ann".into()))], 5);
        assert_eq!(t.id_by_email("a@example.com"), Some(id));
        assert!(t.update(Object::Contacts, id, &[(0, Some("b@example.com".into())), (1, None)], 9));
        let r = &t.live[&id];
        assert_eq!((r.value(0), r.value(1), r.updated), (Some("b@example.com"), None, 9));
        assert_eq!(t.id_by_email("a@example.com"), None);
        assert!(t.by_modified.contains(&(9, id)));
        assert!(t.archive(Object::Contacts, id, 10));
        assert!(t.live.is_empty() && t.by_modified.is_empty() && t.by_email.is_empty());
        let changes: Vec<Change> = t.changes.iter().map(|c| c.change.clone()).collect();
        assert_eq!(
            changes,
            [
                Change::Created,
                Change::Property(0, Some("b@example.com".into())),
                Change::Property(1, None),
                Change::Deleted
            ]
        );
        // Writing the value a record already has changes nothing.
        let mut t = Table::default();
        let id = t.create(Object::Contacts, &[(1, Some("Ann".into()))], 5);
        assert!(t.update(Object::Contacts, id, &[(1, Some("Ann".into()))], 6));
        assert_eq!(t.changes.len(), 1);
    }
}
