//! The CRM objects and properties the HubSpot stand-in models: which properties each object
//! has, their types, which are read-only, and which a list returns when none are asked for.

/// A CRM object type (`0-1`, `0-2`, `0-3` are HubSpot's object type ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Contacts,
    Companies,
    Deals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Email,
    Phone,
    Number,
    DateTime,
    Enum(&'static [(&'static str, &'static str)]),
}

/// One writable property, stored in the record at its position in [`Object::props`].
#[derive(Debug)]
pub struct Prop {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub group: &'static str,
    pub description: &'static str,
}

/// A property as a request names it: stored, or computed from the record itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropRef {
    Stored(usize),
    Created,
    Modified,
    ObjectId,
}

const fn p(name: &'static str, label: &'static str, kind: Kind, group: &'static str) -> Prop {
    Prop { name, label, kind, group, description: "" }
}

const LIFECYCLE: &[(&str, &str)] = &[
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
];
const INDUSTRY: &[(&str, &str)] = &[
    ("COMPUTER_SOFTWARE", "Computer Software"),
    ("FINANCIAL_SERVICES", "Financial Services"),
    ("HOSPITAL_HEALTH_CARE", "Hospital & Health Care"),
    ("LOGISTICS_AND_SUPPLY_CHAIN", "Logistics and Supply Chain"),
    ("FOOD_PRODUCTION", "Food Production"),
    ("MARKETING_AND_ADVERTISING", "Marketing and Advertising"),
];
pub const DEAL_STAGES: &[(&str, &str)] = &[
    ("appointmentscheduled", "Appointment Scheduled"),
    ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("decisionmakerboughtin", "Decision Maker Bought-In"),
    ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"),
    ("closedlost", "Closed Lost"),
];
const PIPELINES: &[(&str, &str)] = &[("default", "Sales Pipeline")];

pub const CONTACT_PROPS: &[Prop] = &[
    p("email", "Email", Kind::Email, "contactinformation"),
    p("firstname", "First Name", Kind::Text, "contactinformation"),
    p("lastname", "Last Name", Kind::Text, "contactinformation"),
    p("phone", "Phone Number", Kind::Phone, "contactinformation"),
    p("company", "Company Name", Kind::Text, "contactinformation"),
    p("jobtitle", "Job Title", Kind::Text, "contactinformation"),
    p("city", "City", Kind::Text, "contactinformation"),
    p("lifecyclestage", "Lifecycle Stage", Kind::Enum(LIFECYCLE), "contactinformation"),
];
pub const COMPANY_PROPS: &[Prop] = &[
    p("name", "Company name", Kind::Text, "companyinformation"),
    p("domain", "Company Domain Name", Kind::Text, "companyinformation"),
    p("industry", "Industry", Kind::Enum(INDUSTRY), "companyinformation"),
    p("phone", "Phone Number", Kind::Phone, "companyinformation"),
    p("city", "City", Kind::Text, "companyinformation"),
    p("numberofemployees", "Number of Employees", Kind::Number, "companyinformation"),
    p("annualrevenue", "Annual Revenue", Kind::Number, "companyinformation"),
];
pub const DEAL_PROPS: &[Prop] = &[
    p("dealname", "Deal Name", Kind::Text, "dealinformation"),
    p("amount", "Amount", Kind::Number, "dealinformation"),
    p("dealstage", "Deal Stage", Kind::Enum(DEAL_STAGES), "dealinformation"),
    p("pipeline", "Pipeline", Kind::Enum(PIPELINES), "dealinformation"),
    p("closedate", "Close Date", Kind::DateTime, "dealinformation"),
];

impl Object {
    pub const ALL: [Object; 3] = [Object::Contacts, Object::Companies, Object::Deals];

    pub fn parse(s: &str) -> Option<Object> {
        match s {
            "contacts" | "contact" | "0-1" => Some(Object::Contacts),
            "companies" | "company" | "0-2" => Some(Object::Companies),
            "deals" | "deal" | "0-3" => Some(Object::Deals),
            _ => None,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        ["contacts", "companies", "deals"][self.index()]
    }

    /// The singular webhook subscription types start with (`contact.creation`).
    pub fn singular(self) -> &'static str {
        ["contact", "company", "deal"][self.index()]
    }

    /// The upper-case singular HubSpot uses in error messages.
    pub fn upper(self) -> &'static str {
        ["CONTACT", "COMPANY", "DEAL"][self.index()]
    }

    pub fn props(self) -> &'static [Prop] {
        match self {
            Object::Contacts => CONTACT_PROPS,
            Object::Companies => COMPANY_PROPS,
            Object::Deals => DEAL_PROPS,
        }
    }

    /// Contacts say `lastmodifieddate`; every other object `hs_lastmodifieddate`.
    pub fn modified_name(self) -> &'static str {
        if self == Object::Contacts { "lastmodifieddate" } else { "hs_lastmodifieddate" }
    }

    pub fn lookup(self, name: &str) -> Option<PropRef> {
        match name {
            "createdate" => Some(PropRef::Created),
            "hs_object_id" => Some(PropRef::ObjectId),
            n if n == self.modified_name() => Some(PropRef::Modified),
            n => self.props().iter().position(|p| p.name == n).map(PropRef::Stored),
        }
    }

    pub fn ref_name(self, r: PropRef) -> &'static str {
        match r {
            PropRef::Stored(i) => self.props()[i].name,
            PropRef::Created => "createdate",
            PropRef::Modified => self.modified_name(),
            PropRef::ObjectId => "hs_object_id",
        }
    }

    /// What a read returns when the request names no properties (as real HubSpot does).
    pub fn defaults(self) -> Vec<PropRef> {
        let names: &[&str] = match self {
            Object::Contacts => &["firstname", "lastname", "email"],
            Object::Companies => &["name", "domain"],
            Object::Deals => &["dealname", "amount", "dealstage", "pipeline", "closedate"],
        };
        let mut refs: Vec<PropRef> = names.iter().filter_map(|n| self.lookup(n)).collect();
        refs.extend([PropRef::Created, PropRef::Modified, PropRef::ObjectId]);
        refs
    }

    /// Every stored property plus the computed ones (what write responses return).
    pub fn all_refs(self) -> Vec<PropRef> {
        let mut refs: Vec<PropRef> = (0..self.props().len()).map(PropRef::Stored).collect();
        refs.extend([PropRef::Created, PropRef::Modified, PropRef::ObjectId]);
        refs
    }

    /// The property `batch/upsert` may name as `idProperty` (unique values); besides
    /// `hs_object_id`, only contacts' `email`.
    pub fn unique_prop(self) -> Option<usize> {
        (self == Object::Contacts).then_some(0)
    }
}
