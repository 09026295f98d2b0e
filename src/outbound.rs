//! Outbound HTTP (webhooks, flows) and mail servers (SMTP, IMAP): one HTTP client with short
//! timeouts, no redirects and no proxies, and mail connections to checked addresses, never reaching
//! private, loopback or link-local addresses unless configuration allows them.
//! Literal addresses are checked before sending; names, by the client's resolver as it connects,
//! so DNS cannot point a public name at a private address between the check and the call.

use std::{net::IpAddr, time::Duration};

use crate::error::{Error, Result};

pub const MAX_URL: usize = 2048;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);

/// An http(s) URL without credentials whose host is public (unless `allow_private`); a 422 on `url`
/// otherwise.
pub async fn check_url(url: &str, allow_private: bool) -> Result<()> {
    if url.len() > MAX_URL {
        return Err(Error::validation(
            "url",
            format!("at most {MAX_URL} characters"),
        ));
    }
    let url = reqwest::Url::parse(url).map_err(|_| Error::validation("url", "not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::validation("url", "the URL must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::validation(
            "url",
            "credentials do not belong in the URL",
        ));
    }
    if !allow_private {
        let addresses = resolve(&url)
            .await
            .map_err(|m| Error::validation("url", m))?;
        if addresses.iter().any(|a| is_private(*a)) {
            return Err(Error::validation(
                "url",
                "private, loopback and link-local addresses are not allowed",
            ));
        }
    }
    Ok(())
}

/// True when the URL's host is a literal private address (names are the resolver's to refuse).
pub fn names_private_address(url: &reqwest::Url) -> bool {
    let literal = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    literal.parse::<IpAddr>().is_ok_and(is_private)
}

/// The client every delivery goes through: short timeouts, no redirects, no proxies, and a resolver
/// that drops private addresses (so DNS cannot point a public name at one between check and use).
pub fn client(allow_private: bool) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent("deskd-webhooks")
        .dns_resolver(std::sync::Arc::new(PublicOnly { allow_private }))
        .build()
        .expect("a plain HTTP client builds")
}

struct PublicOnly {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found =
                tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((host.as_str(), 0)))
                    .await
                    .map_err(|_| format!("cannot resolve `{host}` in time"))??;
            let usable: Vec<std::net::SocketAddr> = found
                .filter(|a| allow_private || !is_private(a.ip()))
                .collect();
            if usable.is_empty() {
                return Err(format!("`{host}` resolves to no public address").into());
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The certificates in a PEM file (`DESKD_MAIL_CA_FILE`), DER-encoded.
pub fn mail_roots(
    pem: &[u8],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, rustls::pki_types::pem::Error> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    CertificateDer::pem_slice_iter(pem).collect()
}

/// The address to reach a mail server (SMTP, IMAP) at: the first of `host`'s addresses that is
/// public (or any, with `allow_private`). Connecting to this address, not the name, keeps DNS from
/// pointing the name elsewhere between the check and the connection.
pub async fn server_address(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<std::net::SocketAddr, String> {
    let found: Vec<std::net::SocketAddr> =
        tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| format!("cannot resolve `{host}` in time"))?
            .map_err(|_| format!("cannot resolve `{host}`"))?
            .collect();
    found
        .into_iter()
        .find(|a| allow_private || !is_private(a.ip()))
        .ok_or_else(|| {
            format!("`{host}` resolves to no public address (private addresses are not allowed)")
        })
}

async fn resolve(url: &reqwest::Url) -> Result<Vec<IpAddr>, String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let found: Vec<IpAddr> =
        tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| format!("cannot resolve `{host}` in time"))?
            .map_err(|_| format!("cannot resolve `{host}`"))?
            .map(|a| a.ip())
            .collect();
    if found.is_empty() {
        return Err(format!("cannot resolve `{host}`"));
    }
    Ok(found)
}

/// Loopback, private, link-local, unspecified, "this network", shared (CGNAT), unique- and
/// site-local addresses, and IPv6 forms that carry IPv4 (mapped, compatible, NAT64, 6to4).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |high: u16, low: u16| {
                let [a, b] = high.to_be_bytes();
                let [c, d] = low.to_be_bytes();
                is_private(IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d)))
            };
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
                // ::a.b.c.d, 64:ff9b::a.b.c.d (NAT64) and 2002:aabb:ccdd:: (6to4)
                || (s[..6] == [0; 6] && embedded(s[6], s[7]))
                || (s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && embedded(s[6], s[7]))
                || (s[0] == 0x2002 && embedded(s[1], s[2]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_private;

    #[test]
    fn private_addresses_in_every_form_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "fec0::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1::1",
            "64:ff9b::5db8:d822",
            "100.128.0.1",
        ] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}
