//! The "who am I" calls the catalog's `[check]` sections make, answered in each provider's
//! real response shape; the catalog's `identity` and `display` pointers resolve in every one.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::accounts::*;
use super::api_auth::{Caller, authenticate, with_status};
use super::{Reject, Sandbox, base_url};

type Answer = Result<Json<Value>, Reject>;

pub async fn stripe_account_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "stripe", &headers)?;
    Ok(Json(json!({
        "id": STRIPE_ACCOUNT_ID,
        "object": "account",
        "business_profile": {"name": COMPANY, "support_email": EMAIL, "url": "https://sandbox-co.example", "mcc": "5734"},
        "business_type": "company",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": true,
        "country": "US",
        "created": 1_673_776_800,
        "default_currency": "usd",
        "details_submitted": true,
        "email": EMAIL,
        "payouts_enabled": true,
        "settings": {"dashboard": {"display_name": COMPANY, "timezone": "America/New_York"}},
        "type": "standard",
    })))
}

pub async fn sendgrid_username_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "sendgrid", &headers)?;
    Ok(Json(json!({"username": SENDGRID_USERNAME, "user_id": SENDGRID_USER_ID})))
}

pub async fn shipengine_carriers_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "shipengine", &headers)?;
    Ok(Json(json!({
        "carriers": [{
            "carrier_id": SHIPENGINE_CARRIER_ID,
            "carrier_code": "stamps_com",
            "account_number": "SANDBOX-0001",
            "requires_funded_amount": true,
            "balance": 100.0,
            "nickname": COMPANY,
            "friendly_name": "Stamps.com",
            "primary": true,
            "has_multi_package_supporting_services": false,
            "supports_label_messages": true,
            "disabled_by_billing_plan": false,
            "services": [{
                "carrier_id": SHIPENGINE_CARRIER_ID, "carrier_code": "stamps_com",
                "service_code": "usps_priority_mail", "name": "USPS Priority Mail",
                "domestic": true, "international": false, "is_multi_package_supported": false,
            }],
            "packages": [{"package_id": null, "package_code": "package", "name": "Package", "description": "Package"}],
            "options": [],
        }],
        "request_id": "5d0f6f4e-9a3c-4b6e-8c1d-2e3f4a5b6c7d",
        "errors": [],
    })))
}

pub async fn paypal_userinfo_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "paypal", &headers)?;
    Ok(Json(json!({
        "user_id": PAYPAL_USER_ID,
        "name": PERSON,
        "given_name": "Sam",
        "family_name": "Sandbox",
        "payer_id": PAYPAL_PAYER_ID,
        "verified_account": "true",
        "emails": [{"value": EMAIL, "primary": true, "confirmed": true}],
        "address": {"street_address": "1 Sandbox Way", "locality": "Atlanta", "region": "GA", "postal_code": "30308", "country": "US"},
    })))
}

pub async fn square_merchant_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    // Square refuses requests without an API version before anything else.
    if headers.get("Square-Version").is_none() {
        return Err(Reject::from(with_status(
            StatusCode::BAD_REQUEST,
            json!({"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "MISSING_REQUIRED_PARAMETER", "detail": "Missing required header: Square-Version", "field": "Square-Version"}]}),
            None,
        )));
    }
    authenticate(&s, "square", &headers)?;
    Ok(Json(json!({
        "merchant": {
            "id": SQUARE_MERCHANT_ID,
            "business_name": SQUARE_BUSINESS_NAME,
            "country": "US",
            "language_code": "en-US",
            "currency": "USD",
            "status": "ACTIVE",
            "main_location_id": "LHSANDBOX0001",
            "created_at": "2023-01-15T10:00:00.000Z",
        }
    })))
}

pub async fn mailchimp_root_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "mailchimp", &headers)?;
    let base = base_url(&headers);
    Ok(Json(json!({
        "account_id": MAILCHIMP_ACCOUNT_ID,
        "login_id": MAILCHIMP_USER_ID.to_string(),
        "account_name": COMPANY,
        "email": EMAIL,
        "first_name": "Sam",
        "last_name": "Sandbox",
        "username": "samsandbox",
        "avatar_url": "",
        "role": "owner",
        "member_since": "2023-01-15T10:00:00+00:00",
        "pricing_plan_type": "monthly",
        "account_timezone": "America/New_York",
        "account_industry": "Software",
        "contact": {"company": COMPANY, "addr1": "1 Sandbox Way", "addr2": "", "city": "Atlanta", "state": "GA", "zip": "30308", "country": "US"},
        "pro_enabled": false,
        "last_login": "2024-01-01T00:00:00+00:00",
        "total_subscribers": 0,
        "industry_stats": {"open_rate": 0.0, "bounce_rate": 0.0, "click_rate": 0.0},
        "_links": [{"rel": "self", "href": format!("{base}/mailchimp/3.0/"), "method": "GET"}],
    })))
}

pub async fn salesforce_userinfo_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "salesforce", &headers)?;
    let base = format!("{}/salesforce", base_url(&headers));
    let (org, user) = (SALESFORCE_ORG_ID, SALESFORCE_USER_ID);
    Ok(Json(json!({
        "sub": format!("https://login.salesforce.com/id/{org}/{user}"),
        "user_id": user,
        "organization_id": org,
        "preferred_username": EMAIL,
        "nickname": "sam",
        "name": PERSON,
        "given_name": "Sam",
        "family_name": "Sandbox",
        "email": EMAIL,
        "email_verified": true,
        "zoneinfo": "America/New_York",
        "locale": "en_US",
        "language": "en_US",
        "active": true,
        "user_type": "STANDARD",
        "utcOffset": -18_000_000,
        "updated_at": "2024-01-01T00:00:00Z",
        "is_app_installed": true,
        "profile": format!("{base}/{user}"),
        "urls": {
            "rest": format!("{base}/services/data/v{{version}}/"),
            "sobjects": format!("{base}/services/data/v{{version}}/sobjects/"),
            "query": format!("{base}/services/data/v{{version}}/query/"),
            "profile": format!("{base}/{user}"),
            "custom_domain": base,
        },
    })))
}

pub async fn hubspot_details_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "hubspot", &headers)?;
    Ok(Json(json!({
        "portalId": HUBSPOT_PORTAL_ID,
        "accountType": "STANDARD",
        "timeZone": "US/Eastern",
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "utcOffset": "-05:00",
        "utcOffsetMilliseconds": -18_000_000,
        "uiDomain": "app.hubspot.com",
        "dataHostingLocation": "na1",
    })))
}

pub async fn google_calendar_list_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "google_calendar", &headers)?;
    Ok(Json(json!({
        "kind": "calendar#calendarList",
        "etag": "\"p33c8rjtbbnhgk0o\"",
        "nextSyncToken": "CNDg5fmn_4IDEhZzYW1Ac2FuZGJveC1jby5leGFtcGxl",
        "items": [{
            "kind": "calendar#calendarListEntry",
            "etag": "\"1673776800000000\"",
            "id": EMAIL,
            "summary": EMAIL,
            "timeZone": "America/New_York",
            "colorId": "14",
            "backgroundColor": "#9fe1e7",
            "foregroundColor": "#000000",
            "selected": true,
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
            "primary": true,
        }],
    })))
}

pub async fn outlook_me_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "outlook", &headers)?;
    Ok(Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
        "businessPhones": [],
        "displayName": PERSON,
        "givenName": "Sam",
        "jobTitle": null,
        "mail": OUTLOOK_UPN,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": "en-US",
        "surname": "Sandbox",
        "userPrincipalName": OUTLOOK_UPN,
        "id": OUTLOOK_OBJECT_ID,
    })))
}

pub async fn quickbooks_company_get(
    State(s): State<Arc<Sandbox>>,
    Path((realm, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let caller = authenticate(&s, "quickbooks", &headers)?;
    let granted = match &caller {
        Caller::Token(grant) => grant.account == realm,
        Caller::Key => true,
    };
    if !granted || realm != id {
        return Err(Reject::from(with_status(
            StatusCode::FORBIDDEN,
            json!({"fault": {"error": [{"message": "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", "detail": "The token does not authorize this company (realmId).", "code": "3100"}], "type": "AUTHORIZATION"}, "time": chrono::Utc::now().to_rfc3339()}),
            None,
        )));
    }
    Ok(Json(json!({
        "CompanyInfo": {
            "CompanyName": COMPANY,
            "LegalName": "Sandbox Co LLC",
            "CompanyAddr": {"Id": "1", "Line1": "1 Sandbox Way", "City": "Atlanta", "CountrySubDivisionCode": "GA", "PostalCode": "30308", "Country": "US"},
            "Country": "US",
            "Email": {"Address": EMAIL},
            "FiscalYearStartMonth": "January",
            "SupportedLanguages": "en",
            "domain": "QBO",
            "sparse": false,
            "Id": "1",
            "SyncToken": "4",
            "MetaData": {"CreateTime": "2023-01-15T02:00:00-08:00", "LastUpdatedTime": "2024-01-01T00:00:00-08:00"},
        },
        "time": chrono::Utc::now().to_rfc3339(),
    })))
}

pub async fn xero_connections_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap) -> Answer {
    authenticate(&s, "xero", &headers)?;
    Ok(Json(json!([{
        "id": XERO_CONNECTION_ID,
        "authEventId": XERO_AUTH_EVENT_ID,
        "tenantId": XERO_TENANT_ID,
        "tenantType": "ORGANISATION",
        "tenantName": COMPANY,
        "createdDateUtc": "2024-01-01T00:00:00.0000000",
        "updatedDateUtc": "2024-01-01T00:00:00.0000000",
    }])))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::providers::catalog::parse_all;

    /// Every sandboxed provider's `[check]` path has a route (placeholders filled in).
    #[test]
    fn every_check_path_is_served() {
        let served = [
            "/stripe/v1/account",
            "/sendgrid/v3/user/username",
            "/shipengine/v1/carriers",
            "/paypal/v1/identity/oauth2/userinfo",
            "/square/v2/merchants/me",
            "/mailchimp/3.0/",
            "/salesforce/services/oauth2/userinfo",
            "/hubspot/account-info/v3/details",
            "/google_calendar/calendar/v3/users/me/calendarList",
            "/outlook/v1.0/me",
            "/quickbooks/v3/company/{identity}/companyinfo/{identity}",
            "/xero/connections",
        ];
        for spec in parse_all().unwrap() {
            if matches!(spec.id.as_str(), "http" | "postgres") {
                continue;
            }
            let path = format!("/{}{}", spec.id, spec.check.path);
            let path = path.split('?').next().unwrap();
            assert!(served.contains(&path), "{path} is not served");
        }
    }
}
