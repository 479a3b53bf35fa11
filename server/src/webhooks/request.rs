//! What a person asks for when creating an endpoint (through the API or the recipe page),
//! checked once for both: the scheme by name, a generic scheme's event id pointer, and a
//! signing secret of their own.

use super::Scheme;

/// Bounds for a secret the user brings (HubSpot's app client secret): long enough to be a
/// real key, short enough to be one.
pub const MIN_SECRET_LEN: usize = 16;
pub const MAX_SECRET_LEN: usize = 512;

/// The scheme names a person can choose, as stored in the scheme JSON.
pub const SCHEME_NAMES: [&str; 3] = ["stripe", "hubspot_v3", "generic"];

/// A checked request to create an endpoint. `None` means "decide for me": the scheme
/// follows the recipe's source system, the secret is generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRequest {
    pub scheme: Option<Scheme>,
    pub secret: Option<String>,
}

/// Which input a problem is about, so a form can show it beside that field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointField {
    Scheme,
    EventIdPointer,
    Secret,
}

/// Why a request was refused; the message is fit to show (it never repeats the secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EndpointProblem {
    pub field: EndpointField,
    pub message: String,
}

impl EndpointRequest {
    /// Checks the inputs as given; an absent value is `None` (callers turn an empty form
    /// field into `None` first). A pointer with any scheme but generic is refused rather
    /// than silently dropped.
    pub fn parse(
        scheme: Option<&str>,
        event_id_pointer: Option<&str>,
        secret: Option<&str>,
    ) -> Result<EndpointRequest, EndpointProblem> {
        let problem = |field, message: String| EndpointProblem { field, message };
        let secret = match secret {
            None => None,
            Some(s) if (MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&s.len()) => Some(s.to_owned()),
            Some(_) => {
                return Err(problem(
                    EndpointField::Secret,
                    format!("secret must be a string of {MIN_SECRET_LEN} to {MAX_SECRET_LEN} characters."),
                ));
            }
        };
        if event_id_pointer.is_some() && scheme != Some("generic") {
            return Err(problem(
                EndpointField::EventIdPointer,
                "The event id location applies to the generic scheme only: choose generic, or leave it empty.".into(),
            ));
        }
        let scheme = match scheme {
            None => None,
            Some("stripe") => Some(Scheme::Stripe),
            Some("hubspot_v3") => Some(Scheme::HubspotV3),
            Some("generic") => Some(Scheme::Generic { event_id_pointer: event_id_pointer.map(str::to_owned) }),
            Some(other) => {
                let shown: String = other.chars().take(40).collect();
                return Err(problem(
                    EndpointField::Scheme,
                    format!("scheme must be stripe, hubspot_v3 or generic, not \"{shown}\"."),
                ));
            }
        };
        if let Some(scheme) = &scheme {
            scheme.validate().map_err(|m| problem(EndpointField::EventIdPointer, format!("The {m}.")))?;
        }
        Ok(EndpointRequest { scheme, secret })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names_become_schemes() {
        let stripe = EndpointRequest::parse(Some("stripe"), None, None).unwrap();
        assert_eq!(stripe.scheme, Some(Scheme::Stripe));
        let generic = EndpointRequest::parse(Some("generic"), Some("/data/id"), None).unwrap();
        assert_eq!(generic.scheme, Some(Scheme::Generic { event_id_pointer: Some("/data/id".into()) }));
        assert_eq!(EndpointRequest::parse(None, None, None).unwrap(), EndpointRequest { scheme: None, secret: None });
    }

    #[test]
    fn bad_input_names_its_field() {
        let unknown = EndpointRequest::parse(Some("paypal"), None, None).unwrap_err();
        assert_eq!(unknown.field, EndpointField::Scheme);
        assert!(unknown.message.contains("\"paypal\""));
        let pointer = EndpointRequest::parse(Some("generic"), Some("id"), None).unwrap_err();
        assert_eq!(pointer.field, EndpointField::EventIdPointer);
        let misplaced = EndpointRequest::parse(Some("stripe"), Some("/id"), None).unwrap_err();
        assert_eq!(misplaced.field, EndpointField::EventIdPointer);
        let secret = EndpointRequest::parse(Some("hubspot_v3"), None, Some("short")).unwrap_err();
        assert_eq!(secret.field, EndpointField::Secret);
        assert!(!secret.message.contains("short"), "the secret is repeated back");
    }

    #[test]
    fn own_secret_is_kept_as_given() {
        let own = "a".repeat(MIN_SECRET_LEN);
        let req = EndpointRequest::parse(Some("hubspot_v3"), None, Some(&own)).unwrap();
        assert_eq!(req.secret.as_deref(), Some(own.as_str()));
    }
}
