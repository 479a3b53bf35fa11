//! Small built-in word lists for realistic seeded records, and the email checks both stand-ins
//! apply (HubSpot's is stricter than Stripe's, which the edge-case records rely on).

use super::rng::Rng;

pub const FIRST: &[&str] = &[
    "Ava", "Liam", "Olivia", "Noah", "Emma", "Oliver", "Mia", "Elijah", "Amelia", "James", "Harper", "Lucas", "Sofia",
    "Mateo", "Layla", "Ethan", "Chloe", "Aiden", "Grace", "Leo", "Nora", "Hiro", "Priya", "Kwame", "Fatima", "Diego",
    "Ingrid", "Tariq", "Mei", "Sven",
];
pub const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Nguyen",
    "Patel",
    "Okafor",
    "Kowalski",
    "Tanaka",
    "Larsen",
    "Haddad",
    "Schmidt",
    "Rossi",
    "Dubois",
];
/// Names that exercise UTF-8 handling (accents, non-Latin scripts).
pub const UNICODE_FIRST: &[&str] = &["Zoë", "Łukasz", "José", "Søren", "François", "Ñandú", "Αθηνά", "美咲"];
pub const UNICODE_LAST: &[&str] = &["Müller", "Ångström", "Núñez", "Øberg", "Dvořák", "Çelik", "Παπαδόπουλος", "佐藤"];
pub const COMPANY_A: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Aperture",
    "Gringotts",
    "Monarch",
    "Pied Piper",
];
pub const COMPANY_B: &[&str] =
    &["Labs", "Industries", "Systems", "Logistics", "Foods", "Analytics", "Partners", "Robotics", "Media", "Health"];
pub const DOMAINS: &[&str] = &["example.com", "example.org", "example.net", "mail.example", "corp.example"];
pub const TITLES: &[&str] = &[
    "Engineer",
    "Account Executive",
    "Designer",
    "Product Manager",
    "Head of Sales",
    "CFO",
    "Analyst",
    "Founder",
    "Support Lead",
    "Operations Manager",
];
pub const CITIES: &[&str] =
    &["Berlin", "Lisbon", "Austin", "Toronto", "Nairobi", "Osaka", "São Paulo", "Melbourne", "Dublin", "Kraków"];
pub const DEAL_WORDS: &[&str] = &["Renewal", "Expansion", "Pilot", "Enterprise plan", "Add-on seats", "Onboarding"];

/// `(first, last)`; unicode names when `unicode`.
pub fn person(rng: &mut Rng, unicode: bool) -> (&'static str, &'static str) {
    if unicode { (rng.pick(UNICODE_FIRST), rng.pick(UNICODE_LAST)) } else { (rng.pick(FIRST), rng.pick(LAST)) }
}

/// An ASCII mailbox name for a person: lower-case, letters only, dot-joined.
pub fn mailbox(first: &str, last: &str, n: u64) -> String {
    let clean = |s: &str| s.chars().filter(char::is_ascii_alphabetic).collect::<String>().to_ascii_lowercase();
    let (f, l) = (clean(first), clean(last));
    match (f.is_empty(), l.is_empty()) {
        (true, true) => format!("user{n}"),
        (false, true) => format!("{f}{n}"),
        (true, false) => format!("{l}{n}"),
        (false, false) => format!("{f}.{l}{n}"),
    }
}

/// HubSpot's check: one `@`, a non-empty local part, a dotted domain with a 2+ letter TLD.
pub fn hubspot_email_ok(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    let tld = domain.rsplit('.').next().unwrap_or("");
    !local.is_empty()
        && !domain.contains('@')
        && !email.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.contains("..")
        && !domain.starts_with('.')
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// Stripe's looser check: one `@` with something on both sides, no spaces.
pub fn stripe_email_ok(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !email.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_checks_differ_where_the_edge_cases_need_them_to() {
        assert!(hubspot_email_ok("ava.smith1@example.com"));
        assert!(!hubspot_email_ok("ava.smith1@example"));
        assert!(stripe_email_ok("ava.smith1@example"));
        assert!(!stripe_email_ok("not an email"));
        assert_eq!(mailbox("Zoë", "佐藤", 7), "zo7");
    }
}
