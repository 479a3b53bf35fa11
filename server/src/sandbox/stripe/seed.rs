//! Deterministic Stripe data: customer `k` is a pure function of (seed, k, anchor), so the
//! `customer.created` events of seeded customers regenerate it instead of storing a copy.
//! Creation times rise with the sequence over the 90 days before the anchor; customers
//! created in the last 30 days also have their `customer.created` event. Edge cases: every
//! 97th customer (k % 97 == 13) has no email, every 89th (k % 89 == 7) a unicode name, every
//! 101st (k % 101 == 50) an email Stripe accepts but HubSpot refuses (`…@example`).

use super::store::{Charge, Customer, EVENT_RETENTION_SECS, Event, EventKind, Invoice, InvoiceStatus, Store};
use crate::sandbox::data::rng::Rng;
use crate::sandbox::data::words::{self, DOMAINS};

const SPAN_SECS: i64 = 90 * 86_400;

fn created_at(anchor: i64, count: u64, k: u64, rng: &mut Rng) -> i64 {
    let step = SPAN_SECS / i64::try_from(count.max(1)).unwrap_or(i64::MAX);
    anchor - SPAN_SECS + i64::try_from(k).unwrap_or(0) * step + rng.below(step.max(1) as u64) as i64
}

/// Seeded customer number `k` (sequence `k + 1`).
pub fn customer(seed: u64, count: u64, k: u64, anchor: i64) -> Customer {
    let mut rng = Rng::for_record(seed, 11, k);
    let created = created_at(anchor, count, k, &mut rng);
    let (first, last) = words::person(&mut rng, k % 89 == 7);
    let domain = rng.pick(DOMAINS);
    let email = match k {
        k if k % 97 == 13 => None,
        k if k % 101 == 50 => Some(format!("{}@example", words::mailbox(first, last, k))),
        k => Some(format!("{}@{domain}", words::mailbox(first, last, k))),
    };
    let phone = (rng.below(2) == 0).then(|| format!("+1555010{:04}", rng.below(10_000)));
    Customer {
        seq: k + 1,
        created,
        email: email.map(String::into_boxed_str),
        name: Some(format!("{first} {last}").into_boxed_str()),
        phone: phone.map(String::into_boxed_str),
        description: None,
        metadata: Vec::new(),
        invoices: 0,
    }
}

pub fn seed(seed: u64, counts: [u64; 3], anchor: i64) -> Store {
    let [n_customers, n_invoices, n_charges] = counts;
    let tag = Store::tag_for(seed);
    let mut store = Store { seed, anchor, event_tag: Store::new_event_tag(&tag), tag, ..Store::default() };
    for k in 0..n_customers {
        store.customers.insert(k + 1, customer(seed, n_customers, k, anchor));
    }
    store.next_customer = n_customers + 1;
    store.seeded_customers = n_customers;
    let retained_from = anchor - EVENT_RETENTION_SECS;
    for c in store.customers.values().filter(|c| c.created >= retained_from) {
        store.events.push(Event {
            seq: store.events.len() as u64 + 1,
            created: c.created,
            kind: EventKind::Created,
            customer: c.seq,
            snapshot: None,
            previous: None,
            request: None,
        });
    }
    if n_customers == 0 {
        return store;
    }
    let mut invoices: Vec<Invoice> = (0..n_invoices)
        .map(|k| {
            let mut rng = Rng::for_record(seed, 12, k);
            let customer = 1 + rng.below(n_customers);
            let since = store.customers.get(&customer).map_or(anchor, |c| c.created);
            let status = match rng.below(20) {
                0..=13 => InvoiceStatus::Paid,
                14..=17 => InvoiceStatus::Open,
                18 => InvoiceStatus::Void,
                _ => InvoiceStatus::Uncollectible,
            };
            let created = since + rng.below((anchor - since).max(1) as u64) as i64;
            let amount = (1 + rng.below(400) as i64) * 500;
            Invoice { seq: 0, customer, number: 0, created, amount, status }
        })
        .collect();
    invoices.sort_by_key(|i| i.created);
    for (i, inv) in invoices.iter_mut().enumerate() {
        inv.seq = i as u64 + 1;
        if let Some(c) = store.customers.get_mut(&inv.customer) {
            c.invoices += 1;
            inv.number = c.invoices;
        }
    }
    let mut charges: Vec<Charge> = (0..n_charges)
        .map(|k| {
            let mut rng = Rng::for_record(seed, 13, k);
            let paid: Option<&Invoice> = if invoices.is_empty() || rng.below(4) == 0 {
                None
            } else {
                Some(&invoices[rng.below(invoices.len() as u64) as usize])
            };
            let (customer, invoice, created, amount) = match paid {
                Some(inv) => (inv.customer, Some(inv.seq), inv.created + rng.below(3600) as i64, inv.amount),
                None => {
                    let customer = 1 + rng.below(n_customers);
                    let since = store.customers.get(&customer).map_or(anchor, |c| c.created);
                    let at = since + rng.below((anchor - since).max(1) as u64) as i64;
                    (customer, None, at, (1 + rng.below(200) as i64) * 250)
                }
            };
            Charge { seq: 0, customer, invoice, created: created.min(anchor), amount, succeeded: rng.below(10) != 0 }
        })
        .collect();
    charges.sort_by_key(|c| c.created);
    for (i, ch) in charges.iter_mut().enumerate() {
        ch.seq = i as u64 + 1;
    }
    store.invoices = invoices;
    store.charges = charges;
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_is_deterministic_and_ordered() {
        let a = seed(7, [300, 200, 300], 1_700_000_000);
        let b = seed(7, [300, 200, 300], 1_700_000_000);
        assert_eq!(a.customers, b.customers);
        assert_eq!(a.customers[&14].email, None);
        assert!(a.customers[&51].email.as_deref().is_some_and(|e| e.ends_with("@example")));
        assert!(a.invoices.windows(2).all(|w| w[0].created <= w[1].created));
        assert!(a.charges.windows(2).all(|w| w[0].created <= w[1].created));
        assert!(a.events.windows(2).all(|w| w[0].created <= w[1].created));
        assert!(!a.events.is_empty() && a.events.len() < 300);
        let regenerated = customer(7, 300, 13, 1_700_000_000);
        assert_eq!(regenerated, Customer { invoices: 0, ..a.customers[&14].clone() });
    }
}
