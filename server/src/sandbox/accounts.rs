//! The one fake account each provider shows on its consent page and answers "who am I" with.
//! Fixed values, so tests can assert them; the module doc of `sandbox` lists them.

/// The person signed in at every sandboxed provider.
pub const PERSON: &str = "Sam Sandbox";
pub const EMAIL: &str = "sam@sandbox-co.example";
pub const COMPANY: &str = "Sandbox Co";

pub const STRIPE_ACCOUNT_ID: &str = "acct_1HitchSandbox000";
pub const PAYPAL_USER_ID: &str = "https://www.paypal.com/webapps/auth/identity/user/hitch-sandbox-paypal-user";
pub const PAYPAL_PAYER_ID: &str = "HSBXPAYER000001";
pub const SQUARE_MERCHANT_ID: &str = "MLHITCHSANDBOX";
pub const SQUARE_BUSINESS_NAME: &str = "Sandbox Coffee Co";
pub const SENDGRID_USER_ID: u64 = 4_818_181;
pub const SENDGRID_USERNAME: &str = "sandbox-co";
pub const MAILCHIMP_ACCOUNT_ID: &str = "8d3a3db4d97663a9074efcc16";
pub const MAILCHIMP_USER_ID: u64 = 124_816_320;
pub const SALESFORCE_ORG_ID: &str = "00D5j00000HITCHSBX";
pub const SALESFORCE_USER_ID: &str = "0055j00000HITCHUSR";
pub const HUBSPOT_PORTAL_ID: u64 = 24_681_357;
pub const HUBSPOT_USER_ID: u64 = 7_654_321;
/// The HubSpot app whose webhooks the sandbox sends (its client secret signs them).
pub const HUBSPOT_APP_ID: u64 = 1_357_924;
pub const GOOGLE_SUB: &str = "108234567890123456789";
pub const OUTLOOK_TENANT_ID: &str = "1b7e1f6a-2f4c-4d6e-9a3b-5c8d0e2f4a61";
pub const OUTLOOK_OBJECT_ID: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
pub const OUTLOOK_UPN: &str = "sam@sandboxco.onmicrosoft.com";
pub const QUICKBOOKS_REALM_ID: &str = "9130357992221046";
pub const XERO_TENANT_ID: &str = "e9a8b7c6-d5e4-4f3a-8b2c-1d0e9f8a7b6c";
pub const XERO_CONNECTION_ID: &str = "5d3f1b9e-7c5a-4e3c-9b1a-8f6d4b2e0c7a";
pub const XERO_AUTH_EVENT_ID: &str = "0c9e7a5b-3f1d-4b9e-8c7a-6e4c2a0f8d1b";
pub const SHIPENGINE_CARRIER_ID: &str = "se-1234567";

/// What the consent page's account chooser shows for a provider: (account id, label).
pub fn chooser(provider: &str) -> (&'static str, String) {
    match provider {
        "square" => (SQUARE_MERCHANT_ID, format!("{SQUARE_BUSINESS_NAME} · {EMAIL}")),
        "salesforce" => (SALESFORCE_USER_ID, format!("{EMAIL} · {COMPANY}")),
        "hubspot" => ("hubspot-portal", format!("{COMPANY} · portal {HUBSPOT_PORTAL_ID}")),
        "google_calendar" => (GOOGLE_SUB, format!("{PERSON} · {EMAIL}")),
        "outlook" => (OUTLOOK_OBJECT_ID, format!("{PERSON} · {OUTLOOK_UPN}")),
        "quickbooks" => (QUICKBOOKS_REALM_ID, format!("{COMPANY} · company {QUICKBOOKS_REALM_ID}")),
        "xero" => (XERO_TENANT_ID, format!("{COMPANY} (organisation)")),
        "mailchimp" => (MAILCHIMP_ACCOUNT_ID, format!("{COMPANY} · {EMAIL}")),
        _ => ("sandbox-account", format!("{PERSON} · {EMAIL}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_have_the_providers_shapes() {
        // Salesforce ids are 18 characters; org ids start 00D, user ids 005.
        assert_eq!(SALESFORCE_ORG_ID.len(), 18);
        assert_eq!(SALESFORCE_USER_ID.len(), 18);
        assert!(SALESFORCE_ORG_ID.starts_with("00D") && SALESFORCE_USER_ID.starts_with("005"));
        // Stripe account ids are acct_ plus 16 characters.
        assert_eq!(STRIPE_ACCOUNT_ID.len(), 5 + 16);
        for id in [OUTLOOK_TENANT_ID, OUTLOOK_OBJECT_ID, XERO_TENANT_ID, XERO_CONNECTION_ID] {
            assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        }
    }
}
