//! The Stripe stand-in's objects. Customers live in a map by creation sequence (list order is
//! newest first, so sequence order is creation order); invoices and charges are seeded,
//! read-only and linked to customers; events are an append-only log of customer changes.
//! Ids are `{prefix}_{tag}{base62 seq}`, the tag derived from the seed, so an id names its
//! sequence number without a lookup table and ids from before a reset are unknown after it.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::sandbox::data::rng::{Rng, base62, parse_base62};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customer {
    pub seq: u64,
    pub created: i64,
    pub email: Option<Box<str>>,
    pub name: Option<Box<str>>,
    pub phone: Option<Box<str>>,
    pub description: Option<Box<str>>,
    pub metadata: Vec<(Box<str>, Box<str>)>,
    pub invoices: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatus {
    Paid,
    Open,
    Void,
    Uncollectible,
}

#[derive(Debug, Clone)]
pub struct Invoice {
    pub seq: u64,
    pub customer: u64,
    pub number: u32,
    pub created: i64,
    pub amount: i64,
    pub status: InvoiceStatus,
}

#[derive(Debug, Clone)]
pub struct Charge {
    pub seq: u64,
    pub customer: u64,
    pub invoice: Option<u64>,
    pub created: i64,
    pub amount: i64,
    pub succeeded: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Created,
    Updated,
    Deleted,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Created => "customer.created",
            EventKind::Updated => "customer.updated",
            EventKind::Deleted => "customer.deleted",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Event {
    pub seq: u64,
    pub created: i64,
    pub kind: EventKind,
    pub customer: u64,
    /// The customer as JSON at the time; `None` for seeded creations (regenerated from the seed).
    pub snapshot: Option<Box<str>>,
    pub previous: Option<Box<str>>,
    pub request: Option<(Box<str>, Option<Box<str>>)>,
}

/// A stored answer for an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Saved {
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Default)]
pub struct Store {
    pub seed: u64,
    pub anchor: i64,
    pub tag: String,
    /// The tag of event ids: the seed's tag and a random part new at every reset. Records
    /// regenerate from the seed, but events are news: a webhook receiver that dedupes by event
    /// id (as Hitch does) must not take an event made after a restart or reset for one it
    /// stored before, which the seed's tag alone would make it do.
    pub event_tag: String,
    pub customers: BTreeMap<u64, Customer>,
    pub deleted: HashSet<u64>,
    pub next_customer: u64,
    /// How many customers the last reset seeded (seeded ones regenerate from it).
    pub seeded_customers: u64,
    pub invoices: Vec<Invoice>,
    pub charges: Vec<Charge>,
    pub events: Vec<Event>,
    pub idempotency: HashMap<String, Saved>,
    pub touches: u64,
    /// Sequence numbers of events not yet handed to the webhook sender (seeded events are
    /// history and never sent).
    pub unsent: Vec<u64>,
}

/// Events older than this are gone, as at Stripe.
pub const EVENT_RETENTION_SECS: i64 = 30 * 86_400;

impl Store {
    pub fn tag_for(seed: u64) -> String {
        base62(Rng::for_record(seed, 7, 0).next() % (62 * 62 * 62 * 62), 4)
    }

    /// A new [`Store::event_tag`] for the seed's `tag`.
    pub fn new_event_tag(tag: &str) -> String {
        let mut bytes = [0u8; 8];
        let _ = getrandom::fill(&mut bytes);
        format!("{tag}{}", base62(u64::from_le_bytes(bytes) % 62u64.pow(6), 6))
    }

    fn tag_of(&self, prefix: &str) -> &str {
        if prefix == "evt" { &self.event_tag } else { &self.tag }
    }

    pub fn id(&self, prefix: &str, seq: u64) -> String {
        format!("{prefix}_{}{}", self.tag_of(prefix), base62(seq, 10))
    }

    /// The sequence number an id names, if it has this store's prefix and tag.
    pub fn seq_of(&self, prefix: &str, id: &str) -> Option<u64> {
        let rest = id.strip_prefix(prefix)?.strip_prefix('_')?.strip_prefix(self.tag_of(prefix))?;
        if rest.len() != 10 {
            return None;
        }
        parse_base62(rest)
    }

    /// The first event still retained at `now` (unix seconds).
    pub fn first_retained(&self, now: i64) -> usize {
        self.events.partition_point(|e| e.created < now - EVENT_RETENTION_SECS)
    }

    pub fn push_event(
        &mut self,
        kind: EventKind,
        customer: u64,
        now: i64,
        snapshot: String,
        previous: Option<String>,
        request: Option<(String, Option<String>)>,
    ) {
        let created = self.events.last().map_or(now, |e| e.created.max(now));
        let seq = self.events.len() as u64 + 1;
        self.unsent.push(seq);
        self.events.push(Event {
            seq,
            created,
            kind,
            customer,
            snapshot: Some(snapshot.into_boxed_str()),
            previous: previous.map(String::into_boxed_str),
            request: request.map(|(id, key)| (id.into_boxed_str(), key.map(String::into_boxed_str))),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_their_sequence_and_seed() {
        let store = Store { tag: Store::tag_for(42), ..Store::default() };
        let id = store.id("cus", 77);
        assert_eq!(id.len(), "cus_".len() + 14);
        assert_eq!(store.seq_of("cus", &id), Some(77));
        assert_eq!(store.seq_of("evt", &id), None);
        let other = Store { tag: Store::tag_for(43), ..Store::default() };
        assert_eq!(other.seq_of("cus", &id), None);
    }

    #[test]
    fn event_ids_differ_after_a_reset_with_the_same_seed() {
        let tag = Store::tag_for(42);
        let before = Store { tag: tag.clone(), event_tag: Store::new_event_tag(&tag), ..Store::default() };
        let after = Store { tag: tag.clone(), event_tag: Store::new_event_tag(&tag), ..Store::default() };
        assert_eq!(before.id("cus", 7), after.id("cus", 7), "records regenerate from the seed");
        let event = before.id("evt", 7);
        assert_ne!(event, after.id("evt", 7));
        assert_eq!(before.seq_of("evt", &event), Some(7));
        assert_eq!(after.seq_of("evt", &event), None, "an event of the earlier instance is not this one's");
    }
}
