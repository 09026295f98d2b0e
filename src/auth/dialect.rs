//! Which API a path speaks: deskd's own, or a façade of another helpdesk whose credentials and
//! errors follow that helpdesk's conventions (Desk365 under `/apis/v3/`, Desk360 under `/v1/`).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Deskd,
    Desk365,
    Desk360,
}

impl Dialect {
    pub fn of(path: &str) -> Self {
        if path.starts_with("/apis/v3/") || path == "/apis/v3" {
            Dialect::Desk365
        } else if path.starts_with("/v1/") || path == "/v1" {
            Dialect::Desk360
        } else {
            Dialect::Deskd
        }
    }
}
