//! lnd v0.20.0-beta's REST bindings (its grpc-gateway http rules, in `proto/rest-rules/`):
//! which HTTP method and path serve each RPC, and whether the body carries the message.

/// One binding of an RPC to an HTTP method and path template (e.g. `/v1/invoice/{r_hash_str}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `package.Service.Method`, e.g. `lnrpc.Lightning.GetInfo`.
    pub selector: String,
    /// Upper case: GET, POST, DELETE.
    pub method: String,
    pub path: String,
    /// `body: "*"`: the whole request message is the JSON body.
    pub body: bool,
}

const FILES: &[&str] = &[
    include_str!("../rest-rules/lightning.yaml"),
    include_str!("../rest-rules/walletunlocker.yaml"),
    include_str!("../rest-rules/stateservice.yaml"),
    include_str!("../rest-rules/invoices.yaml"),
    include_str!("../rest-rules/router.yaml"),
    include_str!("../rest-rules/verrpc.yaml"),
    include_str!("../rest-rules/walletkit.yaml"),
];

/// Every rule of the services above, additional bindings included.
pub fn lnd_v0_20() -> Vec<Rule> {
    FILES.iter().flat_map(|f| parse(f)).collect()
}

/// The rules for one RPC.
pub fn for_selector(selector: &str) -> Vec<Rule> {
    lnd_v0_20().into_iter().filter(|r| r.selector == selector).collect()
}

/// Reads the subset of YAML these files use: `- selector:` entries, each with one
/// `get|post|delete|put|patch: "path"`, an optional `body:`, and `additional_bindings`.
fn parse(yaml: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    let mut selector = String::new();
    for line in yaml.lines() {
        let t = line.trim().trim_start_matches("- ").trim();
        let Some((key, value)) = t.split_once(':') else { continue };
        let value = value.trim().trim_matches('"').to_string();
        match key {
            "selector" => selector = value,
            "get" | "post" | "delete" | "put" | "patch" if !selector.is_empty() => {
                rules.push(Rule { selector: selector.clone(), method: key.to_ascii_uppercase(), path: value, body: false })
            }
            "body" => {
                if let Some(last) = rules.last_mut() {
                    last.body = value == "*";
                }
            }
            _ => {}
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_binding_with_its_body_rule() {
        let all = lnd_v0_20();
        // Bindings in the files: lightning 69 (68 selectors with one, QueryRoutes with two,
        // one without any), walletunlocker 4, state 2, invoices 6, router 18 (three of its 21
        // selectors have none), versioner 1, walletkit 28.
        assert_eq!(all.len(), 69 + 4 + 2 + 6 + 18 + 1 + 28);
        assert_eq!(
            for_selector("lnrpc.Lightning.GetInfo"),
            vec![Rule { selector: "lnrpc.Lightning.GetInfo".into(), method: "GET".into(), path: "/v1/getinfo".into(), body: false }]
        );
        let routes = for_selector("lnrpc.Lightning.QueryRoutes");
        assert_eq!(routes.iter().map(|r| (r.method.as_str(), r.body)).collect::<Vec<_>>(), vec![("GET", false), ("POST", true)]);
        assert!(for_selector("lnrpc.WalletUnlocker.InitWallet")[0].body);
    }
}
