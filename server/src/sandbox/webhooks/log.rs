//! Every delivery the sandbox made or tried, with each attempt's status code, so a test or a
//! person can see what a receiver answered (`GET /_sandbox/webhooks/deliveries`). Bounded:
//! the oldest deliveries are forgotten first. Secrets are never part of a record.

use std::collections::VecDeque;

use serde::Serialize;

/// How many deliveries are remembered.
const CAPACITY: usize = 1000;
/// Longest error text kept per attempt.
const MAX_ERROR_CHARS: usize = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Queued, or waiting for a retry.
    Pending,
    /// A 2xx answer.
    Succeeded,
    /// Out of attempts, or refused in a way the provider does not retry.
    Failed,
    /// Never sent: the queue was full.
    Dropped,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// Unix milliseconds when the request was sent.
    pub at_ms: i64,
    /// The receiver's status code; `None` when no answer came (refused, timed out).
    pub status_code: Option<u16>,
    /// Why no answer came.
    pub error: Option<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: String,
    pub provider: &'static str,
    pub url: String,
    /// The Stripe webhook endpoint (`we_…`); HubSpot has one target per app.
    pub endpoint: Option<String>,
    pub event_ids: Vec<String>,
    pub event_types: Vec<String>,
    pub status: Status,
    pub attempts: Vec<Attempt>,
    pub created_ms: i64,
}

/// What a new delivery is about; the log adds the id, status and attempts.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub provider: &'static str,
    pub url: String,
    pub endpoint: Option<String>,
    pub event_ids: Vec<String>,
    pub event_types: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Log {
    deliveries: VecDeque<Delivery>,
    next: u64,
}

impl Log {
    /// Records a pending delivery and returns its id.
    pub fn open(&mut self, new: NewDelivery, now_ms: i64) -> String {
        self.next += 1;
        let id = format!("dlv_{}", self.next);
        if self.deliveries.len() == CAPACITY {
            self.deliveries.pop_front();
        }
        self.deliveries.push_back(Delivery {
            id: id.clone(),
            provider: new.provider,
            url: new.url,
            endpoint: new.endpoint,
            event_ids: new.event_ids,
            event_types: new.event_types,
            status: Status::Pending,
            attempts: Vec::new(),
            created_ms: now_ms,
        });
        id
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Delivery> {
        self.deliveries.iter_mut().rev().find(|d| d.id == id)
    }

    pub fn attempted(&mut self, id: &str, mut attempt: Attempt) {
        if let Some(error) = &mut attempt.error
            && error.chars().count() > MAX_ERROR_CHARS
        {
            *error = error.chars().take(MAX_ERROR_CHARS).collect();
        }
        if let Some(d) = self.get_mut(id) {
            d.attempts.push(attempt);
        }
    }

    pub fn finish(&mut self, id: &str, status: Status) {
        if let Some(d) = self.get_mut(id) {
            d.status = status;
        }
    }

    /// Oldest first, optionally only one provider's.
    pub fn list(&self, provider: Option<&str>) -> Vec<Delivery> {
        self.deliveries.iter().filter(|d| provider.is_none_or(|p| d.provider == p)).cloned().collect()
    }

    pub fn clear(&mut self) {
        self.deliveries.clear();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn new(provider: &'static str) -> NewDelivery {
        NewDelivery {
            provider,
            url: "http://x/hooks/a".into(),
            endpoint: None,
            event_ids: vec!["evt_1".into()],
            event_types: vec!["customer.created".into()],
        }
    }

    #[test]
    fn attempts_and_outcomes_are_recorded_and_the_log_is_bounded() {
        let mut log = Log::default();
        let id = log.open(new("stripe"), 1);
        log.attempted(&id, Attempt { at_ms: 2, status_code: Some(500), error: None, duration_ms: 1 });
        log.attempted(&id, Attempt { at_ms: 3, status_code: None, error: Some("x".repeat(900)), duration_ms: 1 });
        log.finish(&id, Status::Failed);
        log.open(new("hubspot"), 4);
        let stripe = log.list(Some("stripe"));
        assert_eq!(stripe.len(), 1);
        assert_eq!(stripe[0].status, Status::Failed);
        assert_eq!(stripe[0].attempts[0].status_code, Some(500));
        assert_eq!(stripe[0].attempts[1].error.as_ref().unwrap().len(), MAX_ERROR_CHARS);
        for _ in 0..CAPACITY {
            log.open(new("hubspot"), 5);
        }
        assert_eq!(log.list(None).len(), CAPACITY);
        assert!(log.list(Some("stripe")).is_empty());
    }
}
