use super::ValidationError;

/// A member's role in a tenant. Ordered: an owner can do everything an admin can, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Editor,
    Admin,
    Owner,
}

impl Role {
    /// Highest first, as shown in role pickers.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "editor" => Ok(Role::Editor),
            "viewer" => Ok(Role::Viewer),
            _ => Err(ValidationError::new("Choose a role: owner, admin, editor or viewer.")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    /// Admins and owners manage members, credentials, tokens and settings.
    pub fn can_administer(self) -> bool {
        self >= Role::Admin
    }

    /// Editors and above create and change recipes and start runs.
    pub fn can_edit(self) -> bool {
        self >= Role::Editor
    }

    /// Roles this role may hand out or take away: admins manage up to admin, only owners
    /// create or demote owners. Viewers and editors manage nobody.
    pub fn grantable(self) -> Vec<Role> {
        match self {
            Role::Owner => Role::ALL.to_vec(),
            Role::Admin => vec![Role::Admin, Role::Editor, Role::Viewer],
            Role::Editor | Role::Viewer => Vec::new(),
        }
    }

    /// Whether a member with this role may change a member whose role is `other`.
    pub fn can_manage(self, other: Role) -> bool {
        self.can_administer() && self.grantable().contains(&other)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("superuser").is_err());
        assert_eq!(Role::parse(" Admin "), Ok(Role::Admin));
    }

    #[test]
    fn only_owners_touch_owners() {
        assert!(Role::Owner.can_manage(Role::Owner));
        assert!(!Role::Admin.can_manage(Role::Owner));
        assert!(Role::Admin.can_manage(Role::Admin));
        assert!(!Role::Editor.can_manage(Role::Viewer));
        assert!(!Role::Viewer.can_manage(Role::Viewer));
        assert!(!Role::Admin.grantable().contains(&Role::Owner));
    }
}
