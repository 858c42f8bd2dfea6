//! Where the node is and how to speak to it, checked before anything is sent.

use super::{LndError, Macaroon};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// lnd's own REST proxy (port 8080 by default), with `restcors` set for this app.
    Rest,
    /// A gRPC-web endpoint: Lightning Terminal, Envoy or grpcwebproxy in front of lnd.
    GrpcWeb,
}

impl Transport {
    pub fn label(self) -> &'static str {
        match self {
            Transport::Rest => "REST",
            Transport::GrpcWeb => "gRPC-web",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Transport::Rest => "rest",
            Transport::GrpcWeb => "grpc-web",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "rest" => Some(Transport::Rest),
            "grpc-web" => Some(Transport::GrpcWeb),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://host:port` with no trailing slash.
    pub url: String,
    pub transport: Transport,
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "[::1]"
}

impl Endpoint {
    /// Accepts `https://host:port`, `host:port` (HTTPS assumed, as lnd serves REST over
    /// TLS), with or without a trailing slash. `page_is_https` is whether this app itself was
    /// loaded over HTTPS, where browsers block plain-HTTP calls to anything but loopback.
    pub fn parse(input: &str, transport: Transport, page_is_https: bool) -> Result<Self, LndError> {
        let input = input.trim().trim_end_matches('/');
        if input.is_empty() {
            return Err(LndError::Input("Enter the node's address, for example https://mynode.local:8080".into()));
        }
        let url = if input.contains("://") { input.to_string() } else { format!("https://{input}") };
        let (scheme, rest) = url.split_once("://").expect("has a scheme");
        if scheme != "http" && scheme != "https" {
            return Err(LndError::Input(format!("Use an http:// or https:// address, not {scheme}://")));
        }
        if rest.contains('/') || rest.contains('?') || rest.contains('#') {
            return Err(LndError::Input("Enter only the scheme, host and port, without a path".into()));
        }
        let host = match rest.rsplit_once(':') {
            Some((h, port)) if !port.is_empty() && !h.ends_with(':') && port.chars().all(|c| c.is_ascii_digit()) => {
                if port.parse::<u16>().map_or(true, |p| p == 0) {
                    return Err(LndError::Input(format!("{port} is not a valid port")));
                }
                h
            }
            _ => rest,
        };
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(LndError::Input("The address has no host name".into()));
        }
        if page_is_https && scheme == "http" && !is_loopback(host) {
            return Err(LndError::Input(
                "This app is loaded over HTTPS, so the browser will block a plain http:// node address. \
                 Use https:// (lnd serves REST over TLS by default) or a loopback address."
                    .into(),
            ));
        }
        Ok(Endpoint { url, transport })
    }
}

/// An lndconnect URI (`lndconnect://host:port?cert=…&macaroon=…`, as Zeus and others
/// export it): the REST address and the macaroon.
pub fn parse_lndconnect(uri: &str) -> Option<(String, Option<Macaroon>)> {
    let rest = uri.trim().strip_prefix("lndconnect://")?;
    let (hostport, query) = rest.split_once('?').unwrap_or((rest, ""));
    let hostport = hostport.trim_end_matches('/');
    let macaroon = query.split('&').find_map(|kv| kv.strip_prefix("macaroon=")).and_then(|m| Macaroon::parse(m).ok());
    Some((format!("https://{hostport}"), macaroon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised() {
        let e = Endpoint::parse(" https://node.local:8080/ ", Transport::Rest, false).unwrap();
        assert_eq!(e.url, "https://node.local:8080");
        assert_eq!(Endpoint::parse("10.0.0.2:8080", Transport::Rest, false).unwrap().url, "https://10.0.0.2:8080");
        assert_eq!(Endpoint::parse("http://127.0.0.1:8080", Transport::GrpcWeb, true).unwrap().url, "http://127.0.0.1:8080");
    }

    #[test]
    fn bad_addresses_are_explained() {
        for bad in ["", "ftp://x:1", "https://node:8080/v1/getinfo", "https://node:99999", "https://:8080"] {
            assert!(matches!(Endpoint::parse(bad, Transport::Rest, false), Err(LndError::Input(_))), "{bad}");
        }
        let mixed = Endpoint::parse("http://192.168.1.5:8080", Transport::Rest, true).unwrap_err();
        assert!(mixed.to_string().contains("HTTPS"));
    }

    #[test]
    fn lndconnect_gives_address_and_macaroon() {
        let mac_b64url = "AgEDbG5kAvgBAwoQoKGio6SlpqeoqaqrrK2urxIBMBoWCgdhZGRyZXNzEgRyZWFk";
        let (url, mac) = parse_lndconnect(&format!("lndconnect://mynode.onion:8080?cert=MIIB&macaroon={mac_b64url}")).unwrap();
        assert_eq!(url, "https://mynode.onion:8080");
        assert!(mac.unwrap().hex().starts_with("0201036c6e64"));
        assert!(parse_lndconnect("https://x").is_none());
    }
}
