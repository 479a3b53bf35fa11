//! Deterministic seeding: record `k` of an object is a pure function of (seed, object, k,
//! anchor). Creation times rise with the id and spread over the 90 days before the anchor.
//! Edge cases among contacts: every 97th (k % 97 == 13) has no email, every 89th
//! (k % 89 == 7) a unicode name, every 101st (k % 101 == 50) an email HubSpot would refuse
//! (`…@example`, no top-level domain).

use std::fmt::Write;

use super::schema::{DEAL_STAGES, Object};
use super::store::{Record, SEP, Table};
use crate::sandbox::data::rng::Rng;
use crate::sandbox::data::words::{self, CITIES, COMPANY_A, COMPANY_B, DEAL_WORDS, DOMAINS, TITLES};

pub const DAY_MS: i64 = 86_400_000;
const SPAN_MS: i64 = 90 * DAY_MS;

pub fn seed_table(object: Object, seed: u64, count: u64, anchor_ms: i64) -> Table {
    let mut table = Table::default();
    let step = SPAN_MS / i64::try_from(count.max(1)).unwrap_or(i64::MAX);
    for k in 0..count {
        let mut rng = Rng::for_record(seed, object.index() as u64 + 1, k);
        let ki = i64::try_from(k).unwrap_or(0);
        let created = anchor_ms - SPAN_MS + ki * step + rng.below(step.max(1) as u64) as i64;
        // About a third never changed since creation; the rest at some later time.
        let updated =
            if rng.below(3) == 0 { created } else { created + rng.below((anchor_ms - created).max(1) as u64) as i64 };
        let values = match object {
            Object::Contacts => contact(&mut rng, k),
            Object::Companies => company(&mut rng, k),
            Object::Deals => deal(&mut rng, k, created),
        };
        table.insert(object, Record::new(k + 1, created, updated, values.into_boxed_str()));
    }
    table.next_id = count + 1;
    table
}

fn join(fields: &[&str]) -> String {
    let mut out = String::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.push_str(f);
    }
    out
}

fn phone(rng: &mut Rng) -> String {
    format!("+1 555 01{:02} {:04}", rng.below(100), rng.below(10_000))
}

fn company_name(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(COMPANY_A), rng.pick(COMPANY_B))
}

fn contact(rng: &mut Rng, k: u64) -> String {
    let (first, last) = words::person(rng, k % 89 == 7);
    let domain = rng.pick(DOMAINS);
    let email = match k {
        k if k % 97 == 13 => String::new(),
        k if k % 101 == 50 => format!("{}@example", words::mailbox(first, last, k)),
        k => format!("{}@{domain}", words::mailbox(first, last, k)),
    };
    let stage = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"];
    join(&[&email, first, last, &phone(rng), &company_name(rng), rng.pick(TITLES), rng.pick(CITIES), rng.pick(&stage)])
}

fn company(rng: &mut Rng, k: u64) -> String {
    let name = company_name(rng);
    let slug: String = name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let industry = ["COMPUTER_SOFTWARE", "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE", "FOOD_PRODUCTION"];
    let mut employees = String::new();
    let _ = write!(employees, "{}", 5 + rng.below(5000));
    join(&[
        &name,
        &format!("{slug}{k}.example.com"),
        rng.pick(&industry),
        &phone(rng),
        rng.pick(CITIES),
        &employees,
        &format!("{}", (1 + rng.below(500)) * 100_000),
    ])
}

fn deal(rng: &mut Rng, k: u64, created: i64) -> String {
    let name = format!("{} – {} #{}", company_name(rng), rng.pick(DEAL_WORDS), k + 1);
    let stage = rng.pick(DEAL_STAGES).0;
    let close = created + (7 + rng.below(120) as i64) * DAY_MS;
    join(&[
        &name,
        &format!("{}.00", (1 + rng.below(200)) * 250),
        stage,
        "default",
        &crate::sandbox::data::json::iso_ms(close - close % DAY_MS),
    ])
}

/// What `touch` writes to record `id` in round `round`: one property changes each time.
pub fn touched_value(object: Object, id: u64, round: u64) -> (usize, String) {
    let mut rng = Rng::for_record(round, 99, id);
    match object {
        Object::Contacts => (5, format!("{} (rev {round})", rng.pick(TITLES))),
        Object::Companies => (5, format!("{}", 5 + rng.below(5000))),
        Object::Deals => (1, format!("{}.00", (1 + rng.below(200)) * 250)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_is_deterministic_and_has_edge_cases() {
        let a = seed_table(Object::Contacts, 42, 300, 1_700_000_000_000);
        let b = seed_table(Object::Contacts, 42, 300, 1_700_000_000_000);
        assert_eq!(a.live.len(), 300);
        for (x, y) in a.live.values().zip(b.live.values()) {
            assert_eq!((x.created, x.updated, x.value(0), x.value(1)), (y.created, y.updated, y.value(0), y.value(1)));
        }
        assert_eq!(a.live[&14].value(0), None, "k = 13 has no email");
        assert!(a.live[&51].value(0).is_some_and(|e| e.ends_with("@example")));
        let created: Vec<i64> = a.live.values().map(|r| r.created).collect();
        assert!(created.windows(2).all(|w| w[0] <= w[1]));
    }
}
