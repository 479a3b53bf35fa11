//! The grant logic: authorization codes, grants, access and refresh tokens, per-provider
//! lifetimes and counters. It takes the current time as an argument, so the expiry and
//! rotation rules are unit-tested without a clock.

use std::collections::HashMap;

use crate::auth::tokens;
use crate::providers::RefreshKind;

use super::faults::Fault;
use super::pkce;
use super::state::{CODE_TTL_SECS, DEFAULT_ACCESS_TTL_SECS, Grant, Issued, OAuthError, PendingCode, Refusal, Stats};

fn invalid_grant(description: &str) -> OAuthError {
    OAuthError { error: "invalid_grant", description: description.to_owned() }
}

#[derive(Debug)]
struct Code {
    pending: PendingCode,
    expires_at: u64,
    used: bool,
}

#[derive(Debug)]
struct Access {
    grant: u64,
    expires_at: Option<u64>,
}

#[derive(Debug)]
struct Refresh {
    grant: u64,
    used: bool,
}

/// The sandbox's memory; see the module doc.
#[derive(Debug, Default)]
pub struct Ledger {
    codes: HashMap<String, Code>,
    grants: HashMap<u64, Grant>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    ttl: HashMap<String, u64>,
    stats: HashMap<String, Stats>,
    pub faults: Vec<Fault>,
    /// Extra API keys accepted besides the documented sandbox prefixes, per provider.
    pub keys: HashMap<String, Vec<String>>,
    next_grant: u64,
}

impl Ledger {
    /// Stores an approved authorization and returns its code.
    pub fn issue_code(&mut self, pending: PendingCode, now: u64) -> String {
        // Forget long-dead codes so a long-running sandbox does not grow without bound.
        self.codes.retain(|_, c| c.expires_at + 3600 > now);
        let code = tokens::generate("sbx_code_");
        self.codes.insert(code.clone(), Code { pending, expires_at: now + CODE_TTL_SECS, used: false });
        code
    }

    /// The authorization-code grant: every check the real providers make, then fresh tokens.
    #[allow(clippy::too_many_arguments)]
    pub fn redeem_code(
        &mut self,
        provider: &str,
        code: &str,
        client_id: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
        refresh: RefreshKind,
        now: u64,
    ) -> Result<Issued, OAuthError> {
        let Some(entry) = self.codes.get_mut(code) else {
            return Err(invalid_grant("authorization code is invalid"));
        };
        if entry.used {
            return Err(invalid_grant("authorization code has already been used"));
        }
        // Any attempt consumes the code, as RFC 6749 section 4.1.2 asks.
        entry.used = true;
        let p = entry.pending.clone();
        if now >= entry.expires_at {
            return Err(invalid_grant("authorization code expired"));
        }
        if p.provider != provider || p.client_id != client_id {
            return Err(invalid_grant("authorization code was issued to another client"));
        }
        if redirect_uri != Some(p.redirect_uri.as_str()) {
            return Err(invalid_grant("redirect_uri does not match the one in the authorization request"));
        }
        if let Some(challenge) = &p.challenge {
            match verifier {
                None => return Err(invalid_grant("code_verifier is required")),
                Some(v) => pkce::verify(challenge, v).map_err(invalid_grant)?,
            }
        }
        let with_refresh = p.offline && refresh != RefreshKind::None;
        let grant = Grant {
            provider: p.provider,
            client_id: p.client_id,
            scopes: p.scopes,
            account: p.account,
            revoked: false,
        };
        Ok(self.open_grant(grant, with_refresh, now))
    }

    /// The refresh-token grant, rotating or static as the provider does.
    pub fn redeem_refresh(
        &mut self,
        provider: &str,
        token: &str,
        client_id: &str,
        kind: RefreshKind,
        now: u64,
    ) -> Result<Issued, OAuthError> {
        let Some(record) = self.refresh.get(token) else {
            return Err(invalid_grant("refresh token is invalid"));
        };
        let grant_id = record.grant;
        let used = record.used;
        let Some(grant) = self.grants.get(&grant_id).cloned() else {
            return Err(invalid_grant("refresh token is invalid"));
        };
        if grant.provider != provider || grant.client_id != client_id {
            return Err(invalid_grant("refresh token was issued to another client"));
        }
        if grant.revoked {
            return Err(invalid_grant("the grant has been revoked"));
        }
        if used {
            self.stats_mut(provider).refresh_reuse_rejected += 1;
            return Err(invalid_grant("refresh token already used"));
        }
        let refresh_token = if kind == RefreshKind::Rotating {
            if let Some(old) = self.refresh.get_mut(token) {
                old.used = true;
            }
            Some(self.new_refresh(grant_id))
        } else {
            None
        };
        Ok(Issued {
            access_token: self.new_access(grant_id, provider, now),
            expires_in: self.expires_in(provider),
            refresh_token,
            grant,
        })
    }

    /// A grant without a user (PayPal's client-credentials tokens).
    pub fn issue_app_token(&mut self, provider: &str, client_id: &str, now: u64) -> Issued {
        let grant = Grant {
            provider: provider.to_owned(),
            client_id: client_id.to_owned(),
            scopes: Vec::new(),
            account: String::new(),
            revoked: false,
        };
        self.open_grant(grant, false, now)
    }

    fn open_grant(&mut self, grant: Grant, with_refresh: bool, now: u64) -> Issued {
        self.next_grant += 1;
        let id = self.next_grant;
        let provider = grant.provider.clone();
        self.grants.insert(id, grant.clone());
        let refresh_token = with_refresh.then(|| self.new_refresh(id));
        Issued {
            access_token: self.new_access(id, &provider, now),
            expires_in: self.expires_in(&provider),
            refresh_token,
            grant,
        }
    }

    fn new_refresh(&mut self, grant: u64) -> String {
        let token = tokens::generate("sbx_rt_");
        self.refresh.insert(token.clone(), Refresh { grant, used: false });
        token
    }

    fn new_access(&mut self, grant: u64, provider: &str, now: u64) -> String {
        let token = tokens::generate("sbx_at_");
        let expires_at = self.expires_in(provider).map(|ttl| now + ttl);
        self.access.insert(token.clone(), Access { grant, expires_at });
        token
    }

    fn expires_in(&self, provider: &str) -> Option<u64> {
        match (self.ttl.get(provider), provider) {
            (Some(ttl), _) => Some(*ttl),
            // Mailchimp tokens never expire.
            (None, "mailchimp") => None,
            // PayPal's documented client-credentials lifetime is nine hours.
            (None, "paypal") => Some(32_400),
            (None, _) => Some(DEFAULT_ACCESS_TTL_SECS),
        }
    }

    /// The grant behind a bearer token, if it may call `provider`'s API now.
    pub fn check_access(&self, provider: &str, token: &str, now: u64) -> Result<Grant, Refusal> {
        let access = self.access.get(token).ok_or(Refusal::Unknown)?;
        let grant = self.grants.get(&access.grant).ok_or(Refusal::Unknown)?;
        if grant.provider != provider {
            return Err(Refusal::Unknown);
        }
        if grant.revoked {
            return Err(Refusal::Revoked);
        }
        match access.expires_at {
            Some(at) if now >= at => Err(Refusal::Expired { secs_ago: now - at }),
            _ => Ok(grant.clone()),
        }
    }

    /// Revokes every grant of `provider`: its refresh and access tokens stop working.
    pub fn revoke_all(&mut self, provider: &str) -> usize {
        let mut n = 0;
        for grant in self.grants.values_mut() {
            if grant.provider == provider && !grant.revoked {
                grant.revoked = true;
                n += 1;
            }
        }
        n
    }

    pub fn set_ttl(&mut self, provider: &str, secs: u64) {
        self.ttl.insert(provider.to_owned(), secs);
    }

    pub fn count_token_request(&mut self, provider: &str, grant_type: &str) {
        *self.stats_mut(provider).token_requests.entry(grant_type.to_owned()).or_default() += 1;
    }

    pub fn stats(&self, provider: &str) -> Stats {
        let mut stats = self.stats.get(provider).cloned().unwrap_or_default();
        for key in ["authorization_code", "refresh_token"] {
            stats.token_requests.entry(key.to_owned()).or_default();
        }
        stats.active_refresh_tokens = self
            .refresh
            .values()
            .filter(|r| !r.used)
            .filter_map(|r| self.grants.get(&r.grant))
            .filter(|g| g.provider == provider && !g.revoked)
            .count() as u64;
        stats
    }

    fn stats_mut(&mut self, provider: &str) -> &mut Stats {
        self.stats.entry(provider.to_owned()).or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sandbox::pkce::Challenge;

    fn pending(provider: &str, challenge: Option<Challenge>) -> PendingCode {
        PendingCode {
            provider: provider.into(),
            client_id: "client".into(),
            redirect_uri: "http://app/cb".into(),
            scopes: vec!["a".into()],
            challenge,
            account: "acct".into(),
            offline: true,
        }
    }

    fn redeem(l: &mut Ledger, code: &str, kind: RefreshKind, now: u64) -> Result<Issued, OAuthError> {
        l.redeem_code("xero", code, "client", Some("http://app/cb"), None, kind, now)
    }

    #[test]
    fn codes_are_single_use_and_expire() {
        let mut l = Ledger::default();
        let code = l.issue_code(pending("xero", None), 1000);
        assert!(redeem(&mut l, &code, RefreshKind::Rotating, 1000).is_ok());
        let again = redeem(&mut l, &code, RefreshKind::Rotating, 1000).unwrap_err();
        assert!(again.description.contains("already been used"));
        let late = l.issue_code(pending("xero", None), 1000);
        let err = redeem(&mut l, &late, RefreshKind::Rotating, 1000 + CODE_TTL_SECS).unwrap_err();
        assert_eq!(err.description, "authorization code expired");
    }

    #[test]
    fn code_checks_client_redirect_and_verifier() {
        let mut l = Ledger::default();
        let code = l.issue_code(pending("xero", None), 0);
        let err =
            l.redeem_code("xero", &code, "other", Some("http://app/cb"), None, RefreshKind::Static, 0).unwrap_err();
        assert_eq!(err.error, "invalid_grant");
        let code = l.issue_code(pending("xero", None), 0);
        let err =
            l.redeem_code("xero", &code, "client", Some("http://evil/cb"), None, RefreshKind::Static, 0).unwrap_err();
        assert!(err.description.contains("redirect_uri"));
        let challenge = Challenge::parse("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Some("S256")).unwrap();
        let code = l.issue_code(pending("xero", Some(challenge)), 0);
        let err = redeem(&mut l, &code, RefreshKind::Static, 0).unwrap_err();
        assert_eq!(err.description, "code_verifier is required");
    }

    #[test]
    fn rotating_refresh_retires_the_old_token() {
        let mut l = Ledger::default();
        let code = l.issue_code(pending("xero", None), 0);
        let first = redeem(&mut l, &code, RefreshKind::Rotating, 0).unwrap();
        let rt1 = first.refresh_token.unwrap();
        let second = l.redeem_refresh("xero", &rt1, "client", RefreshKind::Rotating, 10).unwrap();
        let rt2 = second.refresh_token.unwrap();
        assert_ne!(rt1, rt2);
        assert_ne!(first.access_token, second.access_token);
        let reuse = l.redeem_refresh("xero", &rt1, "client", RefreshKind::Rotating, 20).unwrap_err();
        assert_eq!(reuse.description, "refresh token already used");
        assert!(l.redeem_refresh("xero", &rt2, "client", RefreshKind::Rotating, 30).is_ok());
        let stats = l.stats("xero");
        assert_eq!(stats.refresh_reuse_rejected, 1);
        assert_eq!(stats.active_refresh_tokens, 1);
    }

    #[test]
    fn static_refresh_stays_valid_until_revoked() {
        let mut l = Ledger::default();
        let code = l.issue_code(pending("hubspot", None), 0);
        let issued =
            l.redeem_code("hubspot", &code, "client", Some("http://app/cb"), None, RefreshKind::Static, 0).unwrap();
        let rt = issued.refresh_token.unwrap();
        for now in [1, 2, 3] {
            let again = l.redeem_refresh("hubspot", &rt, "client", RefreshKind::Static, now).unwrap();
            assert!(again.refresh_token.is_none());
        }
        assert!(l.check_access("hubspot", &issued.access_token, 5).is_ok());
        assert_eq!(l.revoke_all("hubspot"), 1);
        let err = l.redeem_refresh("hubspot", &rt, "client", RefreshKind::Static, 6).unwrap_err();
        assert_eq!(err.error, "invalid_grant");
        assert_eq!(l.check_access("hubspot", &issued.access_token, 6), Err(Refusal::Revoked));
        assert_eq!(l.stats("hubspot").active_refresh_tokens, 0);
    }

    #[test]
    fn access_tokens_expire_and_belong_to_one_provider() {
        let mut l = Ledger::default();
        l.set_ttl("xero", 100);
        let code = l.issue_code(pending("xero", None), 0);
        let at = redeem(&mut l, &code, RefreshKind::Rotating, 0).unwrap().access_token;
        assert!(l.check_access("xero", &at, 99).is_ok());
        assert_eq!(l.check_access("xero", &at, 105), Err(Refusal::Expired { secs_ago: 5 }));
        assert_eq!(l.check_access("hubspot", &at, 1), Err(Refusal::Unknown));
        let mc = l.issue_app_token("mailchimp", "client", 0);
        assert_eq!(mc.expires_in, None);
        assert!(l.check_access("mailchimp", &mc.access_token, u64::MAX / 2).is_ok());
    }
}
