//! How the registrations template (`registrations.sql`) names each kind's table and columns: the
//! seed's two registration tables differ only in names.

/// How the registrations template names a kind's table and columns (the seed's two tables differ
/// only in names).
pub(super) struct RegCols {
    kind: &'static str,
    module: &'static str,
    table: &'static str,
    prefix: &'static str,
    person: &'static str,
    email: &'static str,
    phone: &'static str,
    detail: &'static str,
    detail_value: &'static str,
    ev_name: &'static str,
    ev_date: &'static str,
    ev_loc: &'static str,
}

pub(super) const API: RegCols = RegCols {
    kind: "api",
    module: "api_registration",
    table: "api_registrations",
    prefix: "API",
    person: "employee_name",
    email: "employee_email",
    phone: "employee_phone",
    detail: "employee_designation",
    detail_value: "(ARRAY['Service Advisor', 'Technician', 'Senior Technician', 'Workshop Foreman', \
                   'Warranty Administrator'])[1 + pg_temp.h('api-designation', s.k) % 5]",
    ev_name: "event_name",
    ev_date: "event_date",
    ev_loc: "event_location",
};

pub(super) const MT: RegCols = RegCols {
    kind: "mt_meet",
    module: "mt_meet",
    table: "mt_meet_registrations",
    prefix: "MTM",
    person: "technician_name",
    email: "technician_email",
    phone: "technician_phone",
    detail: "technician_employee_id",
    detail_value: "'MT-' || lpad(s.k::text, 7, '0')",
    ev_name: "meet_name",
    ev_date: "meet_date",
    ev_loc: "meet_location",
};

impl RegCols {
    /// The template with this kind's names filled in.
    pub(super) fn statement(&self, template: &str) -> String {
        template
            .replace("{kind}", self.kind)
            .replace("{module}", self.module)
            .replace("{table}", self.table)
            .replace("{prefix}", self.prefix)
            .replace("{person}", self.person)
            .replace("{email}", self.email)
            .replace("{phone}", self.phone)
            .replace("{detail_value}", self.detail_value)
            .replace("{detail}", self.detail)
            .replace("{ev_name}", self.ev_name)
            .replace("{ev_date}", self.ev_date)
            .replace("{ev_loc}", self.ev_loc)
    }
}
