use super::ValidationError;

/// A tenant's display name: 2 to 80 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantName(String);

impl TenantName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        let n = name.chars().count();
        if n < 2 {
            return Err(ValidationError::new("Enter a name of at least 2 characters."));
        }
        if n > 80 {
            return Err(ValidationError::new("Use at most 80 characters for the name."));
        }
        if name.chars().any(char::is_control) {
            return Err(ValidationError::new("The name cannot contain control characters."));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A URL-safe slug derived from the name ("Acme Corp." -> "acme-corp"); never empty.
    pub fn slug(&self) -> Slug {
        let mut slug = String::new();
        for c in self.0.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let mut slug: String = slug.trim_end_matches('-').chars().take(40).collect();
        slug = slug.trim_end_matches('-').to_owned();
        if slug.len() < 2 {
            slug = format!("team-{slug}").trim_end_matches('-').to_owned();
        }
        Slug(slug)
    }
}

/// A tenant's URL name: lower-case ASCII letters, digits and dashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let ok = (2..=60).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if ok { Ok(Self(raw.to_owned())) } else { Err(ValidationError::new("Unknown workspace.")) }
    }

    /// The same slug with a numeric suffix, to step around a taken one.
    pub fn with_suffix(&self, n: u32) -> Slug {
        Slug(format!("{}-{n}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone name such as "Europe/Berlin".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        raw.trim().parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            ValidationError::new("Unknown time zone. Use an IANA name such as Europe/Berlin or America/New_York.")
        })
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        let slug = |s: &str| TenantName::parse(s).map(|n| n.slug().0);
        assert_eq!(slug("Acme Corp."), Ok("acme-corp".into()));
        assert_eq!(slug("  Müller & Söhne GmbH "), Ok("m-ller-s-hne-gmbh".into()));
        assert_eq!(slug("日本"), Ok("team".into()));
        assert_eq!(slug("x!"), Ok("team-x".into()));
        assert!(TenantName::parse(" a ").is_err());
        assert!(TenantName::parse(&"a".repeat(81)).is_err());
        assert!(TenantName::parse("bad\u{7}name").is_err());
    }

    #[test]
    fn slug_parse() {
        assert!(Slug::parse("acme-corp").is_ok());
        assert!(Slug::parse("Acme").is_err());
        assert!(Slug::parse("-acme").is_err());
        assert!(Slug::parse("../etc").is_err());
    }

    #[test]
    fn time_zones() {
        assert_eq!(TimeZone::parse("Europe/Berlin").map(|t| t.name()), Ok("Europe/Berlin"));
        assert!(TimeZone::parse("Mars/Olympus").is_err());
    }
}
