//! Storage conformance: the same assertions on SQLite and PostgreSQL, straight on `Store`.

use anyhow::{Context, ensure};
use hitch::domain::{Email, Role, TenantName};
use hitch::storage::{Acceptor, NewAuditEntry, SessionBackend, StoreError};
use hitch_tests::TestApp;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};

fn email(s: &str) -> anyhow::Result<Email> {
    Email::parse(s).map_err(anyhow::Error::msg)
}

fn name(s: &str) -> anyhow::Result<TenantName> {
    TenantName::parse(s).map_err(anyhow::Error::msg)
}

pub async fn slugs_and_emails_are_unique(app: TestApp) -> anyhow::Result<()> {
    let store = app.store();
    let a = store.create_tenant(&name("Acme")?).await?;
    let b = store.create_tenant(&name("ACME!")?).await?;
    let c = store.create_tenant(&name("acme")?).await?;
    ensure!((a.slug.as_str(), b.slug.as_str(), c.slug.as_str()) == ("acme", "acme-2", "acme-3"), "{a:?} {b:?} {c:?}");

    store.create_user(&email("ada@acme.test")?, "hash", false).await?;
    let dup = store.create_user(&email("ADA@acme.test")?, "hash", false).await;
    ensure!(matches!(dup, Err(StoreError::Conflict(_))), "duplicate email: {dup:?}");
    let dup = store.create_tenant_with_owner(&name("Other")?, &email("ada@acme.test")?, "hash").await;
    ensure!(matches!(dup, Err(StoreError::Conflict(_))), "sign-up with a taken email: {dup:?}");
    ensure!(store.list_tenants(10).await?.len() == 3, "the failed sign-up left a tenant behind");
    Ok(())
}

pub async fn every_tenant_query_is_scoped(app: TestApp) -> anyhow::Result<()> {
    let store = app.store();
    let (alpha, alice) = store.create_tenant_with_owner(&name("Alpha")?, &email("alice@alpha.test")?, "h").await?;
    let (beta, bob) = store.create_tenant_with_owner(&name("Beta")?, &email("bob@beta.test")?, "h").await?;
    let a = store.tenant(&alpha.id);
    let b = store.tenant(&beta.id);
    let b_invite = b.create_invitation(&email("x@beta.test")?, Role::Viewer, "inv-b", &bob.id, 60_000).await?;
    let b_token = b.create_api_token("b", Role::Admin, "tok-b", "tokb", None).await?;
    b.audit(&NewAuditEntry { actor: "bob".into(), action: "beta.secret".into(), ..NewAuditEntry::default() }).await?;

    ensure!(matches!(a.member(&bob.id).await, Err(StoreError::NotFound)), "read another tenant's member");
    ensure!(
        matches!(a.change_role(&bob.id, Role::Viewer).await, Err(StoreError::NotFound)),
        "changed another tenant's member"
    );
    ensure!(matches!(a.remove_member(&bob.id).await, Err(StoreError::NotFound)), "removed another tenant's member");
    ensure!(
        matches!(a.revoke_invitation(&b_invite.id).await, Err(StoreError::NotFound)),
        "revoked another tenant's invitation"
    );
    ensure!(
        matches!(a.revoke_api_token(&b_token.id).await, Err(StoreError::NotFound)),
        "revoked another tenant's token"
    );
    // Accepting B's invitation through A's scope must not add anyone anywhere.
    let accepted = a.accept_invitation(&b_invite, Acceptor::Existing(&alice)).await;
    ensure!(accepted.is_err(), "accepted another tenant's invitation through the wrong scope");
    ensure!(a.members().await?.iter().all(|m| m.tenant_id == alpha.id), "alpha's members include others");
    ensure!(
        a.api_tokens().await?.is_empty() && a.open_invitations().await?.is_empty(),
        "alpha sees beta's tokens or invitations"
    );
    ensure!(a.audit_log(50).await?.iter().all(|e| e.action != "beta.secret"), "alpha's audit log shows beta's events");

    ensure!(b.member(&bob.id).await?.role == Role::Owner, "beta's owner changed");
    ensure!(b.open_invitations().await?.len() == 1 && b.api_tokens().await?.len() == 1, "beta's records changed");
    ensure!(b.members().await?.len() == 1, "someone joined beta");
    Ok(())
}

pub async fn concurrent_demotions_keep_an_owner(app: TestApp) -> anyhow::Result<()> {
    let store = app.store();
    let (tenant, first) = store.create_tenant_with_owner(&name("Acme")?, &email("one@acme.test")?, "h").await?;
    let second = store.create_member_user(&tenant.id, &email("two@acme.test")?, "h", Role::Owner).await?;
    let (one, two) = (store.tenant(&tenant.id), store.tenant(&tenant.id));
    let (r1, r2) = tokio::join!(one.change_role(&first.id, Role::Admin), two.change_role(&second.id, Role::Admin));
    let owners = one.members().await?.into_iter().filter(|m| m.role == Role::Owner).count();
    ensure!(owners == 1, "{owners} owners left (results {:?} / {:?})", r1.is_ok(), r2.is_ok());
    ensure!(r1.is_ok() != r2.is_ok(), "exactly one demotion should succeed");
    Ok(())
}

pub async fn invitation_is_accepted_once_under_concurrency(app: TestApp) -> anyhow::Result<()> {
    let store = app.store();
    let (tenant, owner) = store.create_tenant_with_owner(&name("Acme")?, &email("owner@acme.test")?, "h").await?;
    let scope = store.tenant(&tenant.id);
    let invitation =
        scope.create_invitation(&email("new@acme.test")?, Role::Editor, "hash-1", &owner.id, 60_000).await?;
    let (s1, s2) = (store.tenant(&tenant.id), store.tenant(&tenant.id));
    let (r1, r2) = tokio::join!(
        s1.accept_invitation(&invitation, Acceptor::New { password_hash: "h1" }),
        s2.accept_invitation(&invitation, Acceptor::New { password_hash: "h2" })
    );
    ensure!(r1.is_ok() != r2.is_ok(), "both or neither accepted: {:?} / {:?}", r1.is_ok(), r2.is_ok());
    ensure!(scope.members().await?.len() == 2, "membership count");
    let found = store.invitation_by_token_hash("hash-1").await?;
    ensure!(found.accepted_at.is_some() && !found.is_open(hitch::storage::now_ms()), "invitation still open");

    // An expired invitation can't be used.
    let expired = scope.create_invitation(&email("late@acme.test")?, Role::Viewer, "hash-2", &owner.id, -1).await?;
    let late = scope.accept_invitation(&expired, Acceptor::New { password_hash: "h" }).await;
    ensure!(matches!(late, Err(StoreError::Invalid(_))), "expired invitation accepted: {late:?}");
    Ok(())
}

pub async fn sessions_round_trip_and_expire(app: TestApp) -> anyhow::Result<()> {
    let sessions = SessionBackend::new(app.store().clone());
    let mut record = Record {
        id: Id::default(),
        data: [("user_id".to_owned(), serde_json::json!("u1"))].into_iter().collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    sessions.create(&mut record).await.context("create")?;
    let loaded = sessions.load(&record.id).await.context("load")?.context("session missing")?;
    ensure!(loaded.data == record.data, "data changed in storage");

    record.data.insert("tenant_id".into(), serde_json::json!("t1"));
    sessions.save(&record).await?;
    ensure!(sessions.load(&record.id).await?.context("missing after save")?.data.len() == 2, "save lost data");

    let mut expired = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
    };
    sessions.create(&mut expired).await?;
    ensure!(sessions.load(&expired.id).await?.is_none(), "an expired session loaded");
    // The server's own housekeeping may get to it first; either way it is gone afterwards,
    // and the live session is not.
    ensure!(app.store().delete_expired_sessions().await? <= 1, "more than the expired session deleted");
    ensure!(app.store().delete_expired_sessions().await? == 0, "expired session not deleted");
    ensure!(sessions.load(&record.id).await?.is_some(), "the live session was deleted");

    sessions.delete(&record.id).await?;
    ensure!(sessions.load(&record.id).await?.is_none(), "a deleted session loaded");
    Ok(())
}

pub async fn oauth_states_are_single_use_and_expire(app: TestApp) -> anyhow::Result<()> {
    use hitch::storage::OAuthState;
    let store = app.store();
    let (tenant, _) = store.create_tenant_with_owner(&name("Acme")?, &email("o@acme.test")?, "h").await?;
    let scope = store.tenant(&tenant.id);
    let connection = scope.create_connection("c1", "hubspot", "HubSpot", "oauth2", None, None).await?;
    let state = |hash: &str, expires_at: i64| OAuthState {
        state_hash: hash.into(),
        tenant_id: tenant.id.clone(),
        connection_id: connection.id.clone(),
        user_id: None,
        sealed_pkce_verifier: None,
        reconnect: false,
        expires_at,
    };
    let now = hitch::storage::now_ms();
    scope.create_oauth_state(&state("live", now + 60_000)).await?;
    scope.create_oauth_state(&state("stale", now - 1)).await?;
    let (first, second) = tokio::join!(store.take_oauth_state("live"), store.take_oauth_state("live"));
    ensure!(first.is_ok() != second.is_ok(), "a state was used twice or not at all");
    ensure!(
        matches!(store.take_oauth_state("stale").await, Err(StoreError::NotFound)),
        "an expired state was accepted"
    );
    ensure!(
        matches!(store.take_oauth_state("unknown").await, Err(StoreError::NotFound)),
        "an unknown state was accepted"
    );
    // Pending connections never show in the list.
    ensure!(scope.connections().await?.is_empty(), "a pending connection is listed");
    Ok(())
}
